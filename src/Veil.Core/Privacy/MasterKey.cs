using System.Security.Cryptography;

namespace Veil.Core.Privacy;

/// <summary>
/// The operator's master key. It never touches the data directory; it only wraps the per-project keys
/// that do (AES-256-GCM), so a copy of the data directory alone cannot unwrap them.
/// </summary>
public sealed class MasterKey
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _key;

    public MasterKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32) throw new ArgumentException("The master key must be exactly 32 bytes (base64 of 32 random bytes).", nameof(key));
        _key = key.ToArray();
    }

    /// <summary>Parses the base64 text form used in <c>VEIL_MASTER_KEY</c> and key files.</summary>
    public static MasterKey Parse(string base64)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64.Trim());
        }
        catch (FormatException)
        {
            throw new FormatException("The master key is not base64. Generate one with `veil keys generate --out PATH`.");
        }
        if (bytes.Length != 32) throw new FormatException($"The master key must decode to 32 bytes, got {bytes.Length}. Generate one with `veil keys generate --out PATH`.");
        return new MasterKey(bytes);
    }

    /// <summary>32 fresh random bytes as base64: the text form of a new master key.</summary>
    public static string GenerateText() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>A short, non-secret fingerprint that tells which master key wrapped a data directory.</summary>
    public string Fingerprint()
    {
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(_key, "veil master key fingerprint"u8, mac);
        return Convert.ToHexStringLower(mac[..8]);
    }

    /// <summary>Encrypts <paramref name="plaintext"/> as nonce || ciphertext || tag, bound to <paramref name="context"/>.</summary>
    public byte[] Wrap(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), context);
        return output;
    }

    /// <summary>Reverses <see cref="Wrap"/>.</summary>
    /// <exception cref="CryptographicException">Wrong master key, wrong context, or tampered bytes.</exception>
    public byte[] Unwrap(ReadOnlySpan<byte> wrapped, ReadOnlySpan<byte> context)
    {
        if (wrapped.Length < NonceSize + TagSize) throw new CryptographicException("Wrapped key is too short.");
        var plaintext = new byte[wrapped.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(wrapped[..NonceSize], wrapped.Slice(NonceSize, plaintext.Length), wrapped[^TagSize..], plaintext, context);
        return plaintext;
    }
}
