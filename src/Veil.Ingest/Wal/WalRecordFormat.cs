using System.Buffers.Binary;
using System.Globalization;

namespace Veil.Ingest.Wal;

/// <summary>
/// On-disk layout. A record is <c>[u32 payload length][u32 CRC-32C of (LSN bytes + payload)][u64 LSN][payload]</c>,
/// little-endian. Segments are named after their first LSN so a reader can find a record's file from its LSN.
/// </summary>
internal static class WalRecordFormat
{
    public const int HeaderSize = 16;
    public const string CheckpointFileName = "checkpoint";
    public const string CheckpointTempFileName = "checkpoint.tmp";
    public const string LockFileName = "wal.lock";
    public const int CheckpointFileSize = 12;

    private const string SegmentPrefix = "wal-";
    private const string SegmentSuffix = ".log";
    private const int LsnDigits = 20;

    public static string SegmentFileName(long firstLsn) =>
        SegmentPrefix + firstLsn.ToString("D20", CultureInfo.InvariantCulture) + SegmentSuffix;

    public static bool TryParseSegmentFileName(string fileName, out long firstLsn)
    {
        firstLsn = 0;
        if (fileName.Length != SegmentPrefix.Length + LsnDigits + SegmentSuffix.Length
            || !fileName.StartsWith(SegmentPrefix, StringComparison.Ordinal)
            || !fileName.EndsWith(SegmentSuffix, StringComparison.Ordinal))
            return false;
        var digits = fileName.AsSpan(SegmentPrefix.Length, LsnDigits);
        foreach (var c in digits)
            if (c is < '0' or > '9') return false;
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out firstLsn) && firstLsn > 0;
    }

    public static uint Checksum(long lsn, ReadOnlySpan<byte> payload)
    {
        Span<byte> lsnBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(lsnBytes, lsn);
        return ~Crc32C.Update(Crc32C.Update(~0u, lsnBytes), payload);
    }

    public static void WriteHeader(Span<byte> destination, long lsn, ReadOnlySpan<byte> payload)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)payload.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Checksum(lsn, payload));
        BinaryPrimitives.WriteInt64LittleEndian(destination[8..], lsn);
    }

    public static void WriteCheckpoint(Span<byte> destination, long lsn)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, lsn);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Crc32C.Compute(destination[..8]));
    }

    public static bool TryReadCheckpoint(ReadOnlySpan<byte> data, out long lsn)
    {
        lsn = 0;
        if (data.Length != CheckpointFileSize) return false;
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[8..]) != Crc32C.Compute(data[..8])) return false;
        lsn = BinaryPrimitives.ReadInt64LittleEndian(data);
        return lsn >= 0;
    }
}
