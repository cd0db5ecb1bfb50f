using System.Globalization;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace Veil.Security.Passwords;

/// <summary>
/// Argon2id password hashes as PHC strings (<c>$argon2id$v=19$m=19456,t=2,p=1$salt$hash</c>), so a later change of cost
/// still verifies old hashes and flags them for rehashing.
/// </summary>
public sealed class PasswordHasher(Argon2idCost cost)
{
    private const int SaltBytes = 16;
    private const int HashBytes = 32;
    private long _invocations;
    private readonly Lazy<string> _dummy = new(() => HashWith(cost, "veil-dummy-password-for-unknown-emails", RandomNumberGenerator.GetBytes(SaltBytes)));

    public Argon2idCost Cost { get; } = cost;

    /// <summary>How many Argon2id computations ran: tests compare known and unknown emails by this, not by the clock.</summary>
    public long Invocations => Interlocked.Read(ref _invocations);

    public string Hash(string password)
    {
        Interlocked.Increment(ref _invocations);
        return HashWith(Cost, password, RandomNumberGenerator.GetBytes(SaltBytes));
    }

    /// <summary>Checks <paramref name="password"/> against a PHC string; malformed strings never verify.</summary>
    public bool Verify(string password, string encoded, out bool needsRehash)
    {
        needsRehash = false;
        var parts = encoded.Split('$');
        // ["", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash]
        if (parts.Length != 6 || parts[1] != "argon2id" || parts[2] != "v=19") return false;
        var costs = parts[3].Split(',');
        if (costs.Length != 3 || !TryCost(costs[0], "m=", out var m) || !TryCost(costs[1], "t=", out var t) || !TryCost(costs[2], "p=", out var p)) return false;
        byte[] salt, expected;
        try
        {
            salt = Convert.FromBase64String(Pad(parts[4]));
            expected = Convert.FromBase64String(Pad(parts[5]));
        }
        catch (FormatException)
        {
            return false;
        }
        if (salt.Length != SaltBytes || expected.Length == 0 || p != 1 || m < 8 || t < 1) return false;
        Interlocked.Increment(ref _invocations);
        var actual = Derive(new Argon2idCost(m, t, p), password, salt, expected.Length);
        var ok = CryptographicOperations.FixedTimeEquals(actual, expected);
        needsRehash = ok && (m != Cost.MemoryKiB || t != Cost.Passes || p != Cost.Parallelism);
        return ok;
    }

    /// <summary>Runs one Argon2id verification that cannot succeed, so unknown emails cost what known ones do.</summary>
    public void VerifyDummy(string password) => Verify(password, _dummy.Value, out _);

    private static string HashWith(Argon2idCost cost, string password, byte[] salt)
    {
        var hash = Derive(cost, password, salt, HashBytes);
        return string.Create(CultureInfo.InvariantCulture,
            $"$argon2id$v=19$m={cost.MemoryKiB},t={cost.Passes},p={cost.Parallelism}${Unpad(salt)}${Unpad(hash)}");
    }

    private static byte[] Derive(Argon2idCost cost, string password, byte[] salt, int length)
    {
        var algorithm = PasswordBasedKeyDerivationAlgorithm.Argon2id(new Argon2Parameters
        {
            DegreeOfParallelism = cost.Parallelism,
            MemorySize = cost.MemoryKiB,
            NumberOfPasses = cost.Passes,
        });
        return algorithm.DeriveBytes(password, salt, length);
    }

    private static bool TryCost(string text, string prefix, out int value)
    {
        value = 0;
        return text.StartsWith(prefix, StringComparison.Ordinal) && int.TryParse(text.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value)
            && value is > 0 and <= 4 * 1024 * 1024;
    }

    private static string Unpad(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=');

    private static string Pad(string text) => text.PadRight(text.Length + (4 - text.Length % 4) % 4, '=');
}
