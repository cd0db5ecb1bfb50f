using System.Security.Cryptography;
using System.Text;
using NSec.Cryptography;
using Veil.Core.Privacy;

namespace Veil.Security.Ledger;

/// <summary>
/// Signs and verifies checkpoints as C2SP signed notes with Ed25519. The private key is stored in the data directory only
/// wrapped by the master key, so a copy of the data directory cannot forge checkpoints.
/// </summary>
public sealed class CheckpointSigner : IDisposable
{
    private static readonly SignatureAlgorithm Ed25519 = SignatureAlgorithm.Ed25519;
    private static ReadOnlySpan<byte> WrapContext => "veil ledger checkpoint key v1"u8;
    private const string SignaturePrefix = "\u2014 ";

    private readonly Key? _key;
    private readonly byte[] _publicKey;
    private readonly byte[] _keyId;

    private CheckpointSigner(string name, Key? key, byte[] publicKey)
    {
        Name = name;
        _key = key;
        _publicKey = publicKey;
        _keyId = KeyId(name, publicKey);
    }

    /// <summary>The key name, which is also the log origin.</summary>
    public string Name { get; }

    /// <summary>The raw 32-byte Ed25519 public key.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The verifier key in note format: name+hex(key id)+base64(0x01 || public key), for external verifiers.</summary>
    public string VerifierKey => $"{Name}+{Convert.ToHexStringLower(_keyId)}+{Convert.ToBase64String([0x01, .. _publicKey])}";

    /// <summary>A signer from a 32-byte Ed25519 seed.</summary>
    public static CheckpointSigner FromSeed(string name, ReadOnlySpan<byte> seed)
    {
        ValidateName(name);
        var key = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        return new CheckpointSigner(name, key, key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    /// <summary>A verify-only signer from a verifier key string (see <see cref="VerifierKey"/>).</summary>
    public static CheckpointSigner FromVerifierKey(string verifierKey)
    {
        // name+keyid+base64: the name holds no '+', but the base64 key may.
        var parts = verifierKey.Trim().Split('+', 3);
        if (parts.Length != 3) throw new FormatException("A verifier key reads name+keyid+base64key.");
        var raw = Convert.FromBase64String(parts[2]);
        if (raw.Length != 33 || raw[0] != 0x01) throw new FormatException("Only Ed25519 verifier keys (type 0x01) are supported.");
        var signer = new CheckpointSigner(parts[0], null, raw[1..]);
        if (!Convert.ToHexStringLower(signer._keyId).Equals(parts[1], StringComparison.OrdinalIgnoreCase)) throw new FormatException("The verifier key's id does not match its name and key.");
        return signer;
    }

    /// <summary>
    /// Loads the wrapped signing key from <paramref name="path"/>, creating one when absent. The origin is derived from the
    /// public key so every Veil ledger has its own: "veil.ledger/&lt;16 hex&gt;".
    /// </summary>
    public static CheckpointSigner LoadOrCreate(string path, MasterKey masterKey, string? origin = null)
    {
        byte[] seed;
        if (File.Exists(path))
        {
            seed = masterKey.Unwrap(Convert.FromBase64String(File.ReadAllText(path).Trim()), WrapContext);
        }
        else
        {
            seed = RandomNumberGenerator.GetBytes(32);
            var temp = path + ".tmp";
            File.WriteAllText(temp, Convert.ToBase64String(masterKey.Wrap(seed, WrapContext)) + "\n");
            File.Move(temp, path);
        }
        try
        {
            using var probe = Key.Import(Ed25519, seed, KeyBlobFormat.RawPrivateKey);
            var name = origin ?? "veil.ledger/" + Convert.ToHexStringLower(SHA256.HashData(probe.PublicKey.Export(KeyBlobFormat.RawPublicKey))[..8]);
            return FromSeed(name, seed);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Re-wraps the stored signing key under a new master key (for master key rotation); the key itself is unchanged.</summary>
    public static void Rewrap(string path, MasterKey oldKey, MasterKey newKey)
    {
        if (!File.Exists(path)) return;
        var seed = oldKey.Unwrap(Convert.FromBase64String(File.ReadAllText(path).Trim()), WrapContext);
        try
        {
            var temp = path + ".tmp";
            File.WriteAllText(temp, Convert.ToBase64String(newKey.Wrap(seed, WrapContext)) + "\n");
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Signs <paramref name="checkpoint"/> (whose origin must be this key's name) as a signed note.</summary>
    public SignedCheckpoint Sign(Checkpoint checkpoint)
    {
        if (_key is null) throw new InvalidOperationException("This signer holds only a public key.");
        if (checkpoint.Origin != Name) throw new ArgumentException($"Checkpoint origin {checkpoint.Origin} is not the key name {Name}.", nameof(checkpoint));
        var signature = Ed25519.Sign(_key, checkpoint.BodyBytes());
        var note = $"{checkpoint.Body()}\n{SignaturePrefix}{Name} {Convert.ToBase64String([.. _keyId, .. signature])}\n";
        return new SignedCheckpoint(checkpoint, note);
    }

    /// <summary>The checkpoint in <paramref name="note"/> when it carries a valid signature by this key; null otherwise.</summary>
    public Checkpoint? Verify(string note)
    {
        var split = note.IndexOf("\n\n", StringComparison.Ordinal);
        if (split < 0 || !note.EndsWith('\n')) return null;
        var body = note[..(split + 1)];
        var checkpoint = Checkpoint.ParseBody(body);
        if (checkpoint is null || checkpoint.Origin != Name) return null;
        var bodyBytes = Encoding.UTF8.GetBytes(body);
        var publicKey = NSec.Cryptography.PublicKey.Import(Ed25519, _publicKey, KeyBlobFormat.RawPublicKey);
        foreach (var line in note[(split + 2)..].Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!line.StartsWith(SignaturePrefix, StringComparison.Ordinal)) return null;
            var parts = line[SignaturePrefix.Length..].Split(' ');
            if (parts.Length != 2 || parts[0] != Name) continue;
            byte[] blob;
            try
            {
                blob = Convert.FromBase64String(parts[1]);
            }
            catch (FormatException)
            {
                return null;
            }
            if (blob.Length != 4 + 64 || !blob.AsSpan(0, 4).SequenceEqual(_keyId)) continue;
            if (Ed25519.Verify(publicKey, bodyBytes, blob.AsSpan(4))) return checkpoint;
        }
        return null;
    }

    /// <summary>The note key id: the first 4 bytes of SHA-256(name || '\n' || 0x01 || public key).</summary>
    public static byte[] KeyId(string name, ReadOnlySpan<byte> publicKey)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var data = new byte[nameBytes.Length + 2 + publicKey.Length];
        nameBytes.CopyTo(data, 0);
        data[nameBytes.Length] = 0x0A;
        data[nameBytes.Length + 1] = 0x01;
        publicKey.CopyTo(data.AsSpan(nameBytes.Length + 2));
        return SHA256.HashData(data)[..4];
    }

    /// <inheritdoc />
    public void Dispose() => _key?.Dispose();

    private static void ValidateName(string name)
    {
        if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || c == '+')) throw new ArgumentException("A key name is non-empty, without spaces or '+'.", nameof(name));
    }
}
