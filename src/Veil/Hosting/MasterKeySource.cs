using Veil.Core.Privacy;

namespace Veil.Hosting;

/// <summary>Finds the master key: <c>VEIL_MASTER_KEY</c>, or a key file the operator names, never one inside the data directory.</summary>
public static class MasterKeySource
{
    public const string EnvironmentVariable = "VEIL_MASTER_KEY";

    /// <summary>Resolves the master key or throws <see cref="StartupException"/> saying what to do.</summary>
    public static MasterKey Resolve(string? keyFile, string dataDirectory)
    {
        if (keyFile is not null)
        {
            var full = Path.GetFullPath(keyFile);
            if (IsInside(full, dataDirectory))
            {
                throw new StartupException($"The key file {full} is inside the data directory {Path.GetFullPath(dataDirectory)}. " +
                    "Keep keys elsewhere: a copy of the data directory must not carry the key that unlocks it.");
            }
            if (!File.Exists(full)) throw new StartupException($"Key file {full} does not exist. Create one with `veil keys generate --out {full}`.");
            return Parse(File.ReadAllText(full), $"key file {full}");
        }
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return Parse(fromEnvironment, EnvironmentVariable);
        throw new StartupException($"No master key. Set {EnvironmentVariable} or pass --key-file PATH (outside the data directory); " +
            "create one with `veil keys generate --out PATH`.");
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="directory"/> or lies beneath it, after resolving symbolic links.</summary>
    public static bool IsInside(string path, string directory)
    {
        var file = RealPath(Path.GetFullPath(path));
        var dir = RealPath(Path.GetFullPath(directory)).TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        return (file + Path.DirectorySeparatorChar).StartsWith(dir, StringComparison.Ordinal);
    }

    /// <summary>Resolves symbolic links in the longest existing prefix of <paramref name="path"/>.</summary>
    private static string RealPath(string path)
    {
        var existing = path;
        var rest = new Stack<string>();
        while (!File.Exists(existing) && !Directory.Exists(existing))
        {
            var parent = Path.GetDirectoryName(existing);
            if (parent is null) return path;
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }
        var resolved = NativeMethods.RealPath(existing) ?? existing;
        while (rest.Count > 0) resolved = Path.Combine(resolved, rest.Pop());
        return resolved;
    }

    private static MasterKey Parse(string text, string source)
    {
        try
        {
            return MasterKey.Parse(text);
        }
        catch (FormatException e)
        {
            throw new StartupException($"The master key from {source} is unusable: {e.Message}");
        }
    }
}
