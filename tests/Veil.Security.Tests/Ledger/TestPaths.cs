namespace Veil.Security.Tests.Ledger;

/// <summary>Where the shared test data lives: ../shared beside the repository, or VEIL_MERKLE_VECTORS.</summary>
internal static class TestPaths
{
    public static string MerkleVectors()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("VEIL_MERKLE_VECTORS");
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Veil.sln"))) dir = dir.Parent;
        if (dir?.Parent is null) throw new InvalidOperationException("Cannot find the repository root (Veil.sln); set VEIL_MERKLE_VECTORS.");
        var path = Path.Combine(dir.Parent.FullName, "shared", "testdata", "merkle");
        // Fail rather than skip: a missing vector set must not pass silently.
        if (!Directory.Exists(path)) throw new InvalidOperationException($"Merkle vectors not found at {path}; set VEIL_MERKLE_VECTORS.");
        return path;
    }
}
