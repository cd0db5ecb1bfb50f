namespace Veil.Tests.Reliability;

/// <summary>
/// A fact that needs root (it mounts a size-limited tmpfs); skipped, with the reason, when the tests do not run as
/// root. CI runs as root, so there it always runs.
/// </summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when the process is not root or has no <c>mount</c>.</summary>
    public RootFactAttribute()
    {
        if (Environment.UserName != "root" && !IsEffectiveRoot())
            Skip = "needs root to mount a size-limited tmpfs (CI runs as root)";
        else if (!File.Exists("/bin/mount") && !File.Exists("/usr/bin/mount"))
            Skip = "needs the mount command";
    }

    private static bool IsEffectiveRoot()
    {
        // /proc/self/status "Uid:" line: real, effective, saved, filesystem.
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (!line.StartsWith("Uid:", StringComparison.Ordinal)) continue;
            var fields = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
            return fields.Length > 2 && fields[2] == "0";
        }
        return false;
    }
}
