using System.Runtime.InteropServices;

namespace Veil.Load;

/// <summary>Where a result was measured, including how busy the machine was (others may share it).</summary>
/// <param name="Processors">Logical cores.</param>
/// <param name="Os">OS description.</param>
/// <param name="Runtime">.NET runtime.</param>
/// <param name="MemoryMb">Memory available to the process.</param>
/// <param name="LoadAverage">/proc/loadavg's 1, 5 and 15 minute figures when the result was written.</param>
internal sealed record MachineInfo(int Processors, string Os, string Runtime, long MemoryMb, string? LoadAverage)
{
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024 * 1024),
        ReadLoadAverage());

    private static string? ReadLoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return parts.Length >= 3 ? string.Join(' ', parts[..3]) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
