using System.Diagnostics;

namespace Veil.Tests.Reliability;

/// <summary>
/// A fact that mounts a size-limited tmpfs: skipped, with the reason, where this process may not mount one (not root,
/// or a container without the capability). CI runs as root, so there it runs.
/// </summary>
public sealed class MountFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Problem = new(Probe);

    /// <summary>Sets <see cref="FactAttribute.Skip"/> when a trial mount fails.</summary>
    public MountFactAttribute()
    {
        if (Problem.Value is { } problem) Skip = problem;
    }

    /// <summary>Mounts and unmounts a 1 MiB tmpfs once; null when that works.</summary>
    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "needs Linux tmpfs";
        var directory = Path.Combine(Path.GetTempPath(), "veil-mount-probe-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            var (code, output) = Run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", directory);
            if (code != 0) return $"cannot mount a tmpfs here (root is needed; CI runs as root): {output.Trim()}";
            Run("umount", directory);
            return null;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return "no mount command: " + e.Message;
        }
        finally
        {
            try
            {
                Directory.Delete(directory);
            }
            catch (IOException)
            {
            }
        }
    }

    private static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
