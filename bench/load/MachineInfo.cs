using System.Runtime.InteropServices;

namespace Veil.Load;

/// <summary>Where a result was measured.</summary>
internal sealed record MachineInfo(int Processors, string Os, string Runtime, long MemoryMb)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024));
}
