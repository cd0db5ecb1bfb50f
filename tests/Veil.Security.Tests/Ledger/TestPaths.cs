namespace Veil.Security.Tests.Ledger;

/// <summary>
/// Where the Merkle test vectors live: VEIL_MERKLE_VECTORS if set, else the copy kept in this repository
/// (tests/Veil.Security.Tests/MerkleVectors, transparency-dev/merkle's vectors, Apache-2.0, as data).
/// </summary>
internal static class TestPaths
{
    public static string MerkleVectors()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("VEIL_MERKLE_VECTORS");
        if (!string.IsNullOrEmpty(fromEnvironment)) return fromEnvironment;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Veil.sln"))) dir = dir.Parent;
        if (dir is null) throw new InvalidOperationException("Cannot find the repository root (Veil.sln); set VEIL_MERKLE_VECTORS.");
        var path = Path.Combine(dir.FullName, "tests", "Veil.Security.Tests", "MerkleVectors");
        // Fail rather than skip: a missing vector set must not pass silently.
        if (!Directory.Exists(Path.Combine(path, "inclusion"))) throw new InvalidOperationException($"Merkle vectors not found at {path}; set VEIL_MERKLE_VECTORS.");
        return path;
    }
}
