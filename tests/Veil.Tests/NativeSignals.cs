using System.Runtime.InteropServices;

namespace Veil.Tests;

internal static partial class NativeSignals
{
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    public static void Terminate(int pid) => Kill(pid, 15);
}
