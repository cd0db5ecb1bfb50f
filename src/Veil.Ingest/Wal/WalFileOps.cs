using Microsoft.Win32.SafeHandles;

namespace Veil.Ingest.Wal;

/// <summary>
/// The file operations the WAL's write path performs. A seam so tests can inject a full disk or a failing fsync;
/// production uses <see cref="Default"/>.
/// </summary>
internal class WalFileOps
{
    public static readonly WalFileOps Default = new();

    /// <summary>Opens a segment for appending, creating (and emptying) it when <paramref name="create"/> is set.</summary>
    public virtual SafeFileHandle OpenSegment(string path, bool create) =>
        File.OpenHandle(path, create ? FileMode.Create : FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    public virtual void Write(SafeFileHandle handle, ReadOnlySpan<byte> data, long offset) => RandomAccess.Write(handle, data, offset);

    /// <summary>fsync: after this returns, the bytes written so far survive a power cut.</summary>
    public virtual void Flush(SafeFileHandle handle) => RandomAccess.FlushToDisk(handle);

    public virtual void SetLength(SafeFileHandle handle, long length) => RandomAccess.SetLength(handle, length);

    /// <summary>fsync of a directory, so a created, renamed or deleted entry survives a power cut.</summary>
    public virtual void FlushDirectory(string directory) => WalDirectorySync.Flush(directory);

    /// <summary>Writes a whole small file and fsyncs it.</summary>
    public virtual void WriteFile(string path, ReadOnlySpan<byte> data, FileMode mode)
    {
        using var handle = File.OpenHandle(path, mode, FileAccess.Write, FileShare.None);
        RandomAccess.Write(handle, data, 0);
        if (mode != FileMode.Open) RandomAccess.SetLength(handle, data.Length);
        RandomAccess.FlushToDisk(handle);
    }

    public virtual void Replace(string source, string destination) => File.Move(source, destination, overwrite: true);
}
