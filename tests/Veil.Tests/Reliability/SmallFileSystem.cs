using System.Diagnostics;

namespace Veil.Tests.Reliability;

/// <summary>A tmpfs of a fixed size mounted on a directory for one test, so the test can run the disk full.</summary>
public sealed class SmallFileSystem : IDisposable
{
    private bool _mounted;

    private SmallFileSystem(string directory) => Directory = directory;

    /// <summary>The mount point.</summary>
    public string Directory { get; }

    /// <summary>Mounts a tmpfs of <paramref name="megabytes"/> MiB on <paramref name="directory"/> (created if needed).</summary>
    public static SmallFileSystem Mount(string directory, int megabytes)
    {
        System.IO.Directory.CreateDirectory(directory);
        var result = Run("mount", "-t", "tmpfs", "-o", $"size={megabytes}m", "tmpfs", directory);
        if (result.ExitCode != 0) throw new InvalidOperationException($"mount failed ({result.ExitCode}): {result.Output}");
        return new SmallFileSystem(directory) { _mounted = true };
    }

    /// <summary>Bytes still free for an unprivileged writer.</summary>
    public long FreeBytes => new DriveInfo(Directory).AvailableFreeSpace;

    /// <summary>Takes all but <paramref name="leaveBytes"/> of the free space with one file, and returns its path.</summary>
    public string Fill(long leaveBytes)
    {
        var path = Path.Combine(Directory, "filler.bin");
        var size = Math.Max(0, FreeBytes - leaveBytes);
        using (var file = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            // tmpfs has no fallocate; writing the bytes is what takes the pages.
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)0x5A);
            long written = 0;
            while (written < size)
            {
                var n = (int)Math.Min(block.Length, size - written);
                file.Write(block, 0, n);
                written += n;
            }
        }
        return path;
    }

    public void Dispose()
    {
        if (!_mounted) return;
        var result = Run("umount", Directory);
        if (result.ExitCode != 0) result = Run("umount", "-l", Directory);
        _mounted = result.ExitCode != 0;
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
