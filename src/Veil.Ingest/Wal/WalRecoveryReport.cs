namespace Veil.Ingest.Wal;

/// <summary>What <see cref="WriteAheadLog.Open(WalOptions, Microsoft.Extensions.Logging.ILogger?)"/> found on disk and what it had to cut off.</summary>
public sealed record WalRecoveryReport
{
    /// <summary>Valid records found in the segments (including ones at or below the checkpoint not yet deleted).</summary>
    public required long RecordsRecovered { get; init; }

    /// <summary>LSN of the last valid record found, or 0 when there was none.</summary>
    public required long LastRecordLsn { get; init; }

    /// <summary>The persisted checkpoint LSN (0 when there was none).</summary>
    public required long CheckpointLsn { get; init; }

    /// <summary>Bytes dropped: the torn or corrupt tail plus every later segment.</summary>
    public long BytesTruncated { get; init; }

    /// <summary>File name of the segment cut at the first bad record, or null when nothing was cut.</summary>
    public string? TruncatedSegment { get; init; }

    /// <summary>Offset in <see cref="TruncatedSegment"/> where the cut was made.</summary>
    public long TruncatedAtOffset { get; init; }

    /// <summary>Why the cut was made (torn header, checksum mismatch, unexpected LSN, ...), or null.</summary>
    public string? Reason { get; init; }

    /// <summary>Segments after the cut that were deleted.</summary>
    public int SegmentsDeleted { get; init; }

    /// <summary>True when recovery had to drop a torn or corrupt tail.</summary>
    public bool Truncated => Reason is not null;
}
