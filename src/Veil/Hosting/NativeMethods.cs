using System.Runtime.InteropServices;

namespace Veil.Hosting;

/// <summary>The few libc calls .NET does not wrap.</summary>
internal static partial class NativeMethods
{
    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr RealPathNative(string path, IntPtr resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void Free(IntPtr pointer);

    private const int RlimitCore = 4;
    private const int PrSetDumpable = 4;

    [LibraryImport("libc", EntryPoint = "setrlimit", SetLastError = true)]
    private static partial int SetRLimit(int resource, in RLimit limit);

    [LibraryImport("libc", EntryPoint = "prctl", SetLastError = true)]
    private static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    /// <summary>
    /// Keeps this process's memory off the disk when it crashes: no core file (core size limit 0) and not dumpable
    /// (no core, and other processes of the same user cannot attach to read its memory). Raw identifiers in flight and
    /// decrypted vault values exist only in memory; a core file in the working directory would put them on disk.
    /// False where the calls are refused (or not Linux).
    /// </summary>
    public static bool DisableCoreDumps()
    {
        if (!OperatingSystem.IsLinux()) return false;
        var noCore = SetRLimit(RlimitCore, new RLimit(0, 0)) == 0;
        var notDumpable = Prctl(PrSetDumpable, 0, 0, 0, 0) == 0;
        return noCore && notDumpable;
    }

    /// <summary>The canonical absolute path with every symbolic link resolved, or null if it does not exist.</summary>
    public static string? RealPath(string path)
    {
        var result = RealPathNative(path, IntPtr.Zero);
        if (result == IntPtr.Zero) return null;
        try
        {
            return Marshal.PtrToStringUTF8(result);
        }
        finally
        {
            Free(result);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly struct RLimit(ulong current, ulong maximum)
    {
        public readonly ulong Current = current;
        public readonly ulong Maximum = maximum;
    }
}
