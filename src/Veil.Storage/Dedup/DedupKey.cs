using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;
using Veil.Core.Events;

namespace Veil.Storage.Dedup;

/// <summary>
/// Mixpanel's deduplication key (project, event name, distinct_id, time in ms, <c>$insert_id</c>) folded into
/// 64 bits with XxHash64. Two events with equal keys are the same event sent twice.
/// </summary>
internal static class DedupKey
{
    private const int StackLimit = 512;
    private const long MsPerDay = 86_400_000;
    private static readonly int EpochDayNumber = DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;

    public static ulong Compute(StoredEvent e)
    {
        // Fixed part: project (4) + time (8) + distinct-id flag (1) + pseudonym (16) + two length prefixes (8).
        const int fixedBytes = 4 + 8 + 1 + 16 + 4 + 4;
        var max = fixedBytes + Encoding.UTF8.GetMaxByteCount(e.Name.Length) + Encoding.UTF8.GetMaxByteCount(e.InsertId.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            BinaryPrimitives.WriteInt32LittleEndian(buffer, e.ProjectId);
            BinaryPrimitives.WriteInt64LittleEndian(buffer[4..], e.TimeMs);
            var at = 12;
            if (e.DistinctId is { } distinct)
            {
                buffer[at] = 1;
                distinct.WriteBytes(buffer.Slice(at + 1, 16));
            }
            else
            {
                buffer[at] = 0;
                buffer.Slice(at + 1, 16).Clear();
            }
            at += 17;
            // Length prefixes keep ("ab", "c") and ("a", "bc") apart.
            at += WriteString(buffer[at..], e.Name);
            at += WriteString(buffer[at..], e.InsertId);
            return XxHash64.HashToUInt64(buffer[..at]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The UTC day of a time in milliseconds since the Unix epoch.</summary>
    public static DateOnly DayOf(long timeMs)
    {
        var days = timeMs / MsPerDay;
        if (timeMs % MsPerDay < 0) days--; // floor, not truncation, for times before 1970
        return DateOnly.FromDayNumber(checked(EpochDayNumber + (int)days));
    }

    private static int WriteString(Span<byte> destination, string value)
    {
        var length = Encoding.UTF8.GetBytes(value, destination[4..]);
        BinaryPrimitives.WriteInt32LittleEndian(destination, length);
        return length + 4;
    }
}
