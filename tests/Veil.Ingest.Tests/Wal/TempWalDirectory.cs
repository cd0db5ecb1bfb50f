using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

/// <summary>A fresh directory per test, removed afterwards.</summary>
internal sealed class TempWalDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("veil-wal-test-").FullName;

    public WalOptions Options(long segmentSize = 64L * 1024 * 1024) => new() { Directory = Path, SegmentSizeBytes = segmentSize };

    /// <summary>Segment files in LSN order.</summary>
    public string[] Segments() =>
        [.. Directory.GetFiles(Path, "wal-*.log").OrderBy(System.IO.Path.GetFileName, StringComparer.Ordinal)];

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the OS cleans temp eventually.
        }
    }
}
