using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Veil.Security.Ledger;

/// <summary>The libc calls the ledger needs that .NET does not wrap.</summary>
internal static partial class NativeMethods
{
    private const int EINTR = 4;

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    private static partial int FDataSyncNative(SafeFileHandle handle);

    /// <summary>
    /// Makes the file's data (and the metadata needed to read it back, such as its size) durable, like
    /// <see cref="RandomAccess.FlushToDisk"/>, without committing timestamp-only inode changes: an overwrite of
    /// preallocated blocks then costs one data write and a cache flush instead of a file-system journal commit.
    /// Falls back to fsync off Linux.
    /// </summary>
    public static void DataSync(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            RandomAccess.FlushToDisk(handle);
            return;
        }
        while (FDataSyncNative(handle) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EINTR) continue;
            throw new IOException($"fdatasync failed: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno}).", errno);
        }
    }
}
