using System.Runtime.InteropServices;
using System.Text;

namespace Veil.Ingest.Wal;

/// <summary>fsync of a directory. .NET refuses to open a directory as a file, so this goes to libc directly.</summary>
internal static class WalDirectorySync
{
    private const int ReadOnly = 0;
    private const int CloseOnExec = 0x80000;

    public static void Flush(string directory)
    {
        // Windows makes directory entries durable with the file; there is nothing to call there.
        if (OperatingSystem.IsWindows()) return;

        var path = Encoding.UTF8.GetBytes(Path.GetFullPath(directory) + "\0");
        var fd = Open(path, ReadOnly | CloseOnExec);
        if (fd < 0) throw new IOException($"Cannot open directory '{directory}' to fsync it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (Fsync(fd) != 0) throw new IOException($"fsync of directory '{directory}' failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    private static extern int Close(int fd);
}
