using System.Buffers;
using System.Buffers.Text;

namespace Veil.Ingest.Wire;

/// <summary>
/// Base64 as SDKs really send it: standard or URL-safe alphabet, padding optional, line breaks allowed, and
/// <c>+</c> possibly turned into a space by a form decoder along the way.
/// </summary>
internal static class LenientBase64
{
    private static readonly SearchValues<byte> StandardAlphabet =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"u8);

    /// <summary>
    /// Decodes the first <paramref name="length"/> bytes of <paramref name="buffer"/> in place; false when they are
    /// not base64. The buffer needs two spare bytes after <paramref name="length"/> to restore missing padding.
    /// </summary>
    public static bool TryDecodeInPlace(Span<byte> buffer, int length, out int written)
    {
        written = 0;
        var end = length;
        while (end > 0 && buffer[end - 1] == (byte)'=') end--;
        if (length - end <= 2 && end % 4 != 1 && end > 0 && buffer[..end].IndexOfAnyExcept(StandardAlphabet) < 0)
        {
            // Fast path, what browsers and the Node SDK send: the standard alphabet, vectorised decode.
            var padded = end + (4 - end % 4) % 4;
            buffer[end..padded].Fill((byte)'=');
            return Base64.DecodeFromUtf8InPlace(buffer[..padded], out written) == OperationStatus.Done;
        }
        return TryDecodeLenient(buffer[..length], out written);
    }

    private static bool TryDecodeLenient(Span<byte> buffer, out int written)
    {
        written = 0;
        var length = 0;
        var padding = 0;
        foreach (var b in buffer)
        {
            if (b is (byte)'\r' or (byte)'\n' or (byte)'\t') continue;
            if (padding > 0)
            {
                if (b != (byte)'=') return false;
                padding++;
                continue;
            }
            // Normalise to the URL-safe alphabet, which the runtime decodes with or without padding.
            byte normalised = b switch
            {
                >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' => b,
                (byte)'-' or (byte)'_' => b,
                (byte)'+' or (byte)' ' => (byte)'-',
                (byte)'/' => (byte)'_',
                (byte)'=' => 0,
                _ => 0xFF,
            };
            if (normalised == 0xFF) return false;
            if (normalised == 0)
            {
                padding = 1;
                continue;
            }
            buffer[length++] = normalised;
        }
        if (length == 0 || padding > 2 || length % 4 == 1) return false;
        try
        {
            written = Base64Url.DecodeFromUtf8InPlace(buffer[..length]);
            return true;
        }
        catch (FormatException)
        {
            // Non-canonical trailing bits; the alphabet was already checked above.
            return false;
        }
    }
}
