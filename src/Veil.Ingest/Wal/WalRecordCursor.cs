using System.Buffers;
using System.Buffers.Binary;
using Microsoft.Win32.SafeHandles;

namespace Veil.Ingest.Wal;

/// <summary>
/// Reads records of one segment forward from an offset through a pooled buffer. Stops at <c>end</c>; reports
/// (does not throw) a record that is cut short or fails its checksum, so recovery can decide what to do.
/// </summary>
internal sealed class WalRecordCursor : IDisposable
{
    private const int DefaultBufferSize = 256 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly long _end;
    private byte[] _buffer;
    private long _bufferFileOffset;
    private int _bufferCount;
    private long _next;
    private int _payloadStart;

    public WalRecordCursor(SafeFileHandle handle, long offset, long end)
    {
        _handle = handle;
        _end = end;
        _next = offset;
        _bufferFileOffset = offset;
        _buffer = ArrayPool<byte>.Shared.Rent(DefaultBufferSize);
    }

    /// <summary>Offset of the current record's header.</summary>
    public long Offset { get; private set; }

    /// <summary>Offset just past the current record (where the next one starts).</summary>
    public long NextOffset => _next;

    public long Lsn { get; private set; }

    public int PayloadLength { get; private set; }

    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(_payloadStart, PayloadLength);

    /// <summary>Why the last <see cref="MoveNext"/> returned <see cref="WalCursorResult.Torn"/>.</summary>
    public string? Problem { get; private set; }

    public WalCursorResult MoveNext(bool verifyChecksum = true)
    {
        if (_next >= _end) return WalCursorResult.End;
        if (!Ensure(WalRecordFormat.HeaderSize))
            return Torn($"incomplete record header ({_end - _next} bytes left)");

        var header = _buffer.AsSpan((int)(_next - _bufferFileOffset), WalRecordFormat.HeaderSize);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var checksum = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
        var lsn = BinaryPrimitives.ReadInt64LittleEndian(header[8..]);

        if (length > WalOptions.MaxRecordBytesLimit)
            return Torn($"implausible record length {length}");
        var total = WalRecordFormat.HeaderSize + (int)length;
        if (_next + total > _end)
            return Torn($"record of {length} bytes runs past the end of the segment");
        if (!Ensure(total))
            return Torn("segment ended inside a record");

        var payloadStart = (int)(_next - _bufferFileOffset) + WalRecordFormat.HeaderSize;
        if (verifyChecksum && WalRecordFormat.Checksum(lsn, _buffer.AsSpan(payloadStart, (int)length)) != checksum)
            return Torn($"checksum mismatch in record claiming LSN {lsn}");

        Offset = _next;
        Lsn = lsn;
        PayloadLength = (int)length;
        _payloadStart = payloadStart;
        _next += total;
        return WalCursorResult.Record;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }

    private WalCursorResult Torn(string problem)
    {
        Problem = problem;
        Offset = _next;
        return WalCursorResult.Torn;
    }

    /// <summary>Makes <paramref name="count"/> bytes from <see cref="_next"/> available in the buffer.</summary>
    private bool Ensure(int count)
    {
        var available = (int)(_bufferFileOffset + _bufferCount - _next);
        if (available >= count) return true;

        var start = (int)(_next - _bufferFileOffset);
        if (count > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(count, _buffer.Length * 2));
            _buffer.AsSpan(start, available).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
        else if (available > 0)
        {
            _buffer.AsSpan(start, available).CopyTo(_buffer);
        }
        _bufferFileOffset = _next;
        _bufferCount = available;

        while (_bufferCount < count)
        {
            var want = (int)Math.Min(_buffer.Length - _bufferCount, _end - (_bufferFileOffset + _bufferCount));
            if (want <= 0) return false;
            var read = RandomAccess.Read(_handle, _buffer.AsSpan(_bufferCount, want), _bufferFileOffset + _bufferCount);
            if (read == 0) return false;
            _bufferCount += read;
        }
        return true;
    }
}
