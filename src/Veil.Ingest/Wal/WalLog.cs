using Microsoft.Extensions.Logging;

namespace Veil.Ingest.Wal;

/// <summary>The WAL's log lines. They name files, offsets and LSNs only, never payload bytes.</summary>
internal static partial class WalLog
{
    [LoggerMessage(EventId = 4100, Level = LogLevel.Information,
        Message = "WAL opened: {Records} records in {Segments} segments, checkpoint LSN {CheckpointLsn}, next LSN {NextLsn}")]
    public static partial void Opened(ILogger logger, long records, int segments, long checkpointLsn, long nextLsn);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "WAL recovery cut segment {Segment} at offset {Offset} ({Reason}); dropped {Bytes} bytes and {DeletedSegments} segment files after it")]
    public static partial void RecoveryTruncated(ILogger logger, string segment, long offset, string reason, long bytes, int deletedSegments);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning,
        Message = "WAL checkpoint file is unreadable; treating the checkpoint as LSN 0 (the store may see records again and dedups them)")]
    public static partial void CheckpointUnreadable(ILogger logger);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Error,
        Message = "WAL write of {Count} records failed; none of them was acknowledged")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Error,
        Message = "WAL could not cut segment {Segment} back to its durable length {Length}; it retries before the next write")]
    public static partial void RepairFailed(ILogger logger, string segment, long length, Exception exception);

    [LoggerMessage(EventId = 4105, Level = LogLevel.Debug, Message = "WAL started segment {Segment}")]
    public static partial void SegmentStarted(ILogger logger, string segment);

    [LoggerMessage(EventId = 4106, Level = LogLevel.Debug,
        Message = "WAL checkpoint at LSN {Lsn}; deleted {Deleted} segments")]
    public static partial void Checkpointed(ILogger logger, long lsn, int deleted);

    [LoggerMessage(EventId = 4107, Level = LogLevel.Warning,
        Message = "WAL could not write a new checkpoint file; overwrote the existing one in place")]
    public static partial void CheckpointWrittenInPlace(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4108, Level = LogLevel.Warning, Message = "WAL could not delete segment {Segment}; recovery deletes it later")]
    public static partial void DeleteFailed(ILogger logger, string segment, Exception exception);

    [LoggerMessage(EventId = 4109, Level = LogLevel.Critical,
        Message = "WAL flusher stopped unexpectedly; appends now fail")]
    public static partial void FlusherCrashed(ILogger logger, Exception exception);
}
