using System.Security.Cryptography;
using System.Text;

namespace Veil.Core.Privacy;

/// <summary>A project's secret key for turning identifiers into <see cref="Pseudonym"/>s.</summary>
public sealed class PseudonymKey
{
    private readonly byte[] _key;
    // One keyed HMAC per thread: re-keying on every call (HMACSHA256.HashData) costs more than the hash itself.
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public PseudonymKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("A pseudonym key needs at least 32 bytes.", nameof(key));
        _key = key.ToArray();
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key));
    }

    /// <summary>HMAC-SHA256(key, UTF-8 of <paramref name="identifier"/>) cut to 128 bits.</summary>
    public Pseudonym Compute(string identifier)
    {
        var max = Encoding.UTF8.GetMaxByteCount(identifier.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : (rented = new byte[max]);
        var length = Encoding.UTF8.GetBytes(identifier, utf8);
        Span<byte> mac = stackalloc byte[32];
        var hmac = _hmac.Value!;
        hmac.AppendData(utf8[..length]);
        hmac.GetHashAndReset(mac);
        return Pseudonym.FromBytes(mac[..16]);
    }
}
