using System.Security.Cryptography;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class MasterKeyTests
{
    [Fact]
    public void Wrap_then_unwrap_gives_the_key_back()
    {
        var master = MasterKey.Parse(MasterKey.GenerateText());
        var secret = RandomNumberGenerator.GetBytes(32);
        var wrapped = master.Wrap(secret, "ctx"u8);
        Assert.DoesNotContain(Convert.ToHexString(secret), Convert.ToHexString(wrapped), StringComparison.Ordinal);
        Assert.Equal(secret, master.Unwrap(wrapped, "ctx"u8));
    }

    [Fact]
    public void Wrong_key_wrong_context_or_tampering_fail_loudly()
    {
        var master = MasterKey.Parse(MasterKey.GenerateText());
        var other = MasterKey.Parse(MasterKey.GenerateText());
        var wrapped = master.Wrap(new byte[32], "ctx"u8);
        Assert.ThrowsAny<CryptographicException>(() => other.Unwrap(wrapped, "ctx"u8));
        Assert.ThrowsAny<CryptographicException>(() => master.Unwrap(wrapped, "other"u8));
        wrapped[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => master.Unwrap(wrapped, "ctx"u8));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("AAAA")]
    public void Bad_key_text_is_rejected_with_advice(string text)
    {
        var e = Assert.Throws<FormatException>(() => MasterKey.Parse(text));
        Assert.Contains("veil keys generate", e.Message, StringComparison.Ordinal);
    }
}
