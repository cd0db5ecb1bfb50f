using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Unicode;

namespace Veil.Ingest.Wire;

/// <summary>Byte-level helpers shared by the wire adapters: decompression under a cap, BOM, whitespace, UTF-8.</summary>
internal static class WirePayload
{
    internal enum InflateStatus
    {
        Ok,
        Invalid,
        TooLarge,
    }

    /// <summary>Reads the Content-Encoding header; with none, sniffs the gzip magic (posthog-js and some proxies send gzip unflagged).</summary>
    public static ContentCoding Classify(string? contentEncoding, ReadOnlySpan<byte> body)
    {
        var header = contentEncoding.AsSpan().Trim();
        if (header.IsEmpty || header.Equals("identity", StringComparison.OrdinalIgnoreCase))
            return IsGzip(body) ? ContentCoding.Gzip : ContentCoding.Identity;
        if (header.Equals("gzip", StringComparison.OrdinalIgnoreCase) || header.Equals("x-gzip", StringComparison.OrdinalIgnoreCase))
            return ContentCoding.Gzip;
        if (header.Equals("deflate", StringComparison.OrdinalIgnoreCase)) return ContentCoding.Deflate;
        if (header.Equals("br", StringComparison.OrdinalIgnoreCase)) return ContentCoding.Brotli;
        return ContentCoding.Unsupported;
    }

    public static bool IsGzip(ReadOnlySpan<byte> body) => body.Length >= 2 && body[0] == 0x1f && body[1] == 0x8b;

    public static string Name(ContentCoding coding) => coding switch
    {
        ContentCoding.Gzip => "gzip",
        ContentCoding.Deflate => "deflate",
        ContentCoding.Brotli => "brotli",
        _ => "encoded",
    };

    /// <summary>
    /// Decompresses <paramref name="body"/> into a pooled buffer, stopping as soon as the output passes
    /// <paramref name="maxBytes"/> so a bomb costs at most that much work and memory.
    /// On <see cref="InflateStatus.Ok"/> the caller owns <paramref name="buffer"/> and returns it to the shared pool.
    /// </summary>
    public static InflateStatus Inflate(ContentCoding coding, ReadOnlyMemory<byte> body, int maxBytes, out byte[]? buffer, out int length)
    {
        buffer = null;
        length = 0;
        if (coding == ContentCoding.Gzip && !IsGzip(body.Span)) return InflateStatus.Invalid;
        var cap = maxBytes + 1;
        var rented = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(body.Length * 4L, 4096, cap));
        try
        {
            using var source = OpenRead(body);
            using Stream decoder = coding switch
            {
                ContentCoding.Gzip => new GZipStream(source, CompressionMode.Decompress),
                ContentCoding.Deflate => LooksLikeZlib(body.Span)
                    ? new ZLibStream(source, CompressionMode.Decompress)
                    : new DeflateStream(source, CompressionMode.Decompress),
                ContentCoding.Brotli => new BrotliStream(source, CompressionMode.Decompress),
                _ => throw new ArgumentOutOfRangeException(nameof(coding)),
            };
            var total = 0;
            while (true)
            {
                if (total == rented.Length)
                {
                    if (total >= cap) return InflateStatus.TooLarge;
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min(rented.Length * 2L, cap));
                    rented.AsSpan(0, total).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(rented);
                    rented = bigger;
                }
                var read = decoder.Read(rented, total, Math.Min(rented.Length, cap) - total);
                if (read == 0) break;
                total += read;
                if (total > maxBytes) return InflateStatus.TooLarge;
            }
            if (coding == ContentCoding.Gzip && IsTruncatedGzip(body.Span, total)) return InflateStatus.Invalid;
            buffer = rented;
            length = total;
            rented = null;
            return InflateStatus.Ok;
        }
        // Brotli reports corrupt input as InvalidOperationException, gzip and deflate as InvalidDataException.
        catch (Exception e) when (e is InvalidDataException or IOException or InvalidOperationException or NotSupportedException)
        {
            return InflateStatus.Invalid;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// GZipStream quietly returns what it has when the body stops early; the trailer's ISIZE (length mod 2^32) tells.
    /// Concatenated members, where the trailer only covers the last one, are recognised by a second header.
    /// </summary>
    private static bool IsTruncatedGzip(ReadOnlySpan<byte> body, int decompressedLength)
    {
        if (body.Length < 18) return true;
        var isize = BinaryPrimitives.ReadUInt32LittleEndian(body[^4..]);
        return isize != (uint)decompressedLength && body[10..].IndexOf((ReadOnlySpan<byte>)[0x1f, 0x8b, 0x08]) < 0;
    }

    // "deflate" means zlib-wrapped per RFC 9110, but many clients send raw deflate; the zlib header tells them apart.
    private static bool LooksLikeZlib(ReadOnlySpan<byte> body) =>
        body.Length >= 2 && (body[0] & 0x0F) == 8 && ((body[0] << 8) | body[1]) % 31 == 0;

    private static Stream OpenRead(ReadOnlyMemory<byte> body) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(body, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(body.ToArray(), writable: false);

    public static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static bool IsJsonWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';

    /// <summary>Index of the first byte that is not JSON whitespace, or the length.</summary>
    public static int SkipWhitespace(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length && IsJsonWhitespace(span[i])) i++;
        return i;
    }

    public static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> span)
    {
        var start = SkipWhitespace(span);
        var end = span.Length;
        while (end > start && IsJsonWhitespace(span[end - 1])) end--;
        return span[start..end];
    }

    /// <summary>Offset of the first invalid UTF-8 sequence, or -1 when <paramref name="span"/> is valid UTF-8.</summary>
    public static int FindInvalidUtf8(ReadOnlySpan<byte> span)
    {
        if (Utf8.IsValid(span)) return -1;
        Span<char> scratch = stackalloc char[1024];
        var offset = 0;
        while (offset < span.Length)
        {
            var status = Utf8.ToUtf16(span[offset..], scratch, out var read, out _, replaceInvalidSequences: false, isFinalBlock: true);
            if (status == OperationStatus.InvalidData || status == OperationStatus.NeedMoreData) return offset + read;
            offset += read;
            if (status == OperationStatus.Done) break;
        }
        return offset;
    }
}
