namespace Veil.Security.Passwords;

/// <summary>Argon2id cost: memory in KiB, passes, lanes.</summary>
public sealed record Argon2idCost(int MemoryKiB, int Passes, int Parallelism)
{
    /// <summary>OWASP Password Storage Cheat Sheet's first Argon2id option: m=19 MiB, t=2, p=1. The production default.</summary>
    public static Argon2idCost Owasp { get; } = new(19 * 1024, 2, 1);

    /// <summary>A cheap cost for unit tests only (so hundreds of sign-ins run in seconds); never used by `veil serve`.</summary>
    public static Argon2idCost InsecureForTestsOnly { get; } = new(64, 1, 1);
}
