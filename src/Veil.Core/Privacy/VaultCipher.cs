using System.Security.Cryptography;
using System.Text;

namespace Veil.Core.Privacy;

/// <summary>
/// The identity vault's cryptography: each person's PII is sealed (AES-256-GCM) with that person's own data key, and
/// the data key is wrapped by the project's key-encryption key. Destroying the wrapped data key destroys the PII.
/// </summary>
public sealed class VaultCipher
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _keyEncryptionKey;

    public VaultCipher(ReadOnlySpan<byte> keyEncryptionKey)
    {
        if (keyEncryptionKey.Length != 32) throw new ArgumentException("The key-encryption key must be 32 bytes.", nameof(keyEncryptionKey));
        _keyEncryptionKey = keyEncryptionKey.ToArray();
    }

    /// <summary>A fresh data key for a subject, and its wrapped form for storage.</summary>
    public (byte[] DataKey, byte[] Wrapped) NewDataKey(Pseudonym subject)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        return (dataKey, Seal(_keyEncryptionKey, dataKey, Context("key", subject)));
    }

    public byte[] UnwrapDataKey(Pseudonym subject, ReadOnlySpan<byte> wrapped) => Open(_keyEncryptionKey, wrapped, Context("key", subject));

    public static byte[] SealFields(ReadOnlySpan<byte> dataKey, Pseudonym subject, string json) => Seal(dataKey, Encoding.UTF8.GetBytes(json), Context("fields", subject));

    public static string OpenFields(ReadOnlySpan<byte> dataKey, Pseudonym subject, ReadOnlySpan<byte> sealedFields) =>
        Encoding.UTF8.GetString(Open(dataKey, sealedFields, Context("fields", subject)));

    private static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> context)
    {
        var output = new byte[NonceSize + plaintext.Length + TagSize];
        RandomNumberGenerator.Fill(output.AsSpan(0, NonceSize));
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(output.AsSpan(0, NonceSize), plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), context);
        return output;
    }

    private static byte[] Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> context)
    {
        if (sealedBytes.Length < NonceSize + TagSize) throw new CryptographicException("Sealed value is too short.");
        var plaintext = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes[..NonceSize], sealedBytes.Slice(NonceSize, plaintext.Length), sealedBytes[^TagSize..], plaintext, context);
        return plaintext;
    }

    private static byte[] Context(string purpose, Pseudonym subject) => Encoding.UTF8.GetBytes($"veil/vault/{purpose}/{subject}");
}
