using System.Security.Cryptography;
using System.Text;
using CsCheck;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class PseudonymTests
{
    private static readonly byte[] KeyBytes = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void Pseudonym_is_the_first_128_bits_of_hmac_sha256()
    {
        var key = new PseudonymKey(KeyBytes);
        var expected = HMACSHA256.HashData(KeyBytes, Encoding.UTF8.GetBytes("user-42"))[..16];
        var actual = new byte[16];
        key.Compute("user-42").WriteBytes(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(Convert.ToHexStringLower(expected), key.Compute("user-42").ToString());
    }

    [Fact]
    public void Same_id_same_pseudonym_other_key_other_pseudonym()
    {
        var a = new PseudonymKey(KeyBytes);
        var b = new PseudonymKey(RandomNumberGenerator.GetBytes(32));
        Assert.Equal(a.Compute("x@example.com"), a.Compute("x@example.com"));
        Assert.NotEqual(a.Compute("x@example.com"), b.Compute("x@example.com"));
        Assert.NotEqual(a.Compute("a"), a.Compute("b"));
    }

    [Fact]
    public void Guid_and_text_forms_round_trip()
    {
        CsCheck.Gen.Select(CsCheck.Gen.UInt, CsCheck.Gen.UInt, CsCheck.Gen.UInt, CsCheck.Gen.UInt, (a, b, c, d) => new[] { a, b, c, d }).Sample(words =>
        {
            var value = new UInt128(((ulong)words[0] << 32) | words[1], ((ulong)words[2] << 32) | words[3]);
            var p = new Pseudonym(value);
            Assert.Equal(p, Pseudonym.FromGuid(p.ToGuid()));
            Assert.Equal(p.ToString(), p.ToGuid().ToString("N"));
            Assert.True(Pseudonym.TryParse(p.ToString(), out var parsed));
            Assert.Equal(p, parsed);
        });
    }

    [Fact]
    public void Long_identifiers_are_supported()
    {
        var key = new PseudonymKey(KeyBytes);
        var longId = new string('é', 5000);
        var expected = HMACSHA256.HashData(KeyBytes, Encoding.UTF8.GetBytes(longId))[..16];
        Assert.Equal(Convert.ToHexStringLower(expected), key.Compute(longId).ToString());
    }
}
