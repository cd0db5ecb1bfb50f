using System.Text;
using NSec.Cryptography;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

public sealed class CheckpointSignerTests
{
    // The signed-note example published with golang.org/x/mod/sumdb/note (key name PeterNeumann).
    private const string NoteSeedKey = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
    private const string NoteVerifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    private const string NoteText = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    private const string NoteSignature = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=";

    [Fact]
    public void KeyIdAndSignatureMatchTheSignedNoteReference()
    {
        var seed = Convert.FromBase64String(NoteSeedKey)[1..];
        using var signer = CheckpointSigner.FromSeed("PeterNeumann", seed);
        Assert.Equal(NoteVerifierKey, signer.VerifierKey);

        using var key = Key.Import(SignatureAlgorithm.Ed25519, seed, KeyBlobFormat.RawPrivateKey);
        var signature = SignatureAlgorithm.Ed25519.Sign(key, Encoding.UTF8.GetBytes(NoteText));
        Assert.Equal(NoteSignature, Convert.ToBase64String([.. CheckpointSigner.KeyId("PeterNeumann", signer.PublicKey), .. signature]));
    }

    [Fact]
    public void CheckpointsAreSignedNotesThatVerifyOnlyUnchanged()
    {
        using var signer = CheckpointSigner.FromSeed("veil.ledger/test", new byte[32]);
        var root = MerkleHash.Leaf("x"u8);
        var signed = signer.Sign(new Checkpoint("veil.ledger/test", 42, root));
        var lines = signed.Note.Split('\n');
        Assert.Equal("veil.ledger/test", lines[0]);
        Assert.Equal("42", lines[1]);
        Assert.Equal(Convert.ToBase64String(root), lines[2]);
        Assert.Equal("", lines[3]);
        Assert.StartsWith("\u2014 veil.ledger/test ", lines[4]);

        var verifier = CheckpointSigner.FromVerifierKey(signer.VerifierKey);
        Assert.Equal(42, verifier.Verify(signed.Note)!.Size);
        Assert.Null(verifier.Verify(signed.Note.Replace("\n42\n", "\n43\n", StringComparison.Ordinal)));
        Assert.Null(verifier.Verify(signed.Note.Replace("veil.ledger/test", "other", StringComparison.Ordinal)));
    }

    [Fact]
    public void TheSigningKeyIsWrappedByTheMasterKey()
    {
        using var dir = new TempDirectory();
        var path = LedgerPaths.SigningKey(dir.Path);
        string name;
        using (var created = CheckpointSigner.LoadOrCreate(path, LedgerTestData.Key())) name = created.VerifierKey;
        using (var loaded = CheckpointSigner.LoadOrCreate(path, LedgerTestData.Key())) Assert.Equal(name, loaded.VerifierKey);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => CheckpointSigner.LoadOrCreate(path, new Veil.Core.Privacy.MasterKey(new byte[32])));
    }

    [Fact]
    public void VerifierKeysWithPlusSignsInTheirBase64RoundTrip()
    {
        for (byte seed = 0; seed < 64; seed++)
        {
            using var signer = CheckpointSigner.FromSeed("veil.ledger/x", Enumerable.Repeat(seed, 32).ToArray());
            var verifier = CheckpointSigner.FromVerifierKey(signer.VerifierKey);
            Assert.NotNull(verifier.Verify(signer.Sign(new Checkpoint("veil.ledger/x", 1, MerkleHash.Leaf("a"u8))).Note));
        }
    }

    [Fact]
    public void RewrappingUnderANewMasterKeyKeepsTheSigningKey()
    {
        using var dir = new TempDirectory();
        var path = LedgerPaths.SigningKey(dir.Path);
        var oldKey = LedgerTestData.Key();
        var newKey = new Veil.Core.Privacy.MasterKey(Enumerable.Repeat((byte)9, 32).ToArray());
        string before;
        using (var signer = CheckpointSigner.LoadOrCreate(path, oldKey)) before = signer.VerifierKey;
        CheckpointSigner.Rewrap(path, oldKey, newKey);
        using (var signer = CheckpointSigner.LoadOrCreate(path, newKey)) Assert.Equal(before, signer.VerifierKey);
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => CheckpointSigner.LoadOrCreate(path, oldKey));
    }
}
