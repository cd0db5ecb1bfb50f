using System.Runtime.InteropServices;

namespace Veil.Core.Threading;

/// <summary>
/// Lowers the CPU priority of Veil's own background threads (the ledger index writer) so that on a
/// small machine they yield to request handling, whose latency is what clients see. Linux schedules threads on their
/// own, and raising a thread's nice value needs no privilege.
/// </summary>
public static partial class ThreadNice
{
    private const int PrioProcess = 0;

    /// <summary>The nice value Veil gives its background threads (request threads keep 0).</summary>
    public const int Background = 10;

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, uint who, int priority);

    /// <summary>Sets the calling thread's nice value; false where refused or not on Linux.</summary>
    public static bool SetCurrentThread(int nice) => OperatingSystem.IsLinux() && SetPriority(PrioProcess, (uint)GetTid(), nice) == 0;
}
