using System.Security.Cryptography;
using System.Text;
using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiRedactorTests
{
    private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    /// <summary>What a caller passes in: a short keyed HMAC, so equal values keep grouping together.</summary>
    private static string Hmac(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes(text)))[..8];

    private const string Text = "mail jane@example.com or call +14155552671, card 4111 1111 1111 1111";

    [Fact]
    public void Redact_replaces_each_hit_by_its_placeholder()
    {
        var scan = PiiScanner.Default.Scan("note", Text);
        var redaction = PiiRedactor.Apply(Text, scan, PiiPolicy.Default, "note");
        Assert.Equal(PiiPolicyAction.Redact, redaction.Action);
        Assert.Equal("mail [email] or call [phone], card [card]", redaction.Value);
    }

    [Theory]
    [InlineData(PiiDetector.Email, "[email]")]
    [InlineData(PiiDetector.Phone, "[phone]")]
    [InlineData(PiiDetector.PaymentCard, "[card]")]
    [InlineData(PiiDetector.Iban, "[iban]")]
    [InlineData(PiiDetector.UsSsn, "[ssn]")]
    [InlineData(PiiDetector.IpAddress, "[ip]")]
    [InlineData(PiiDetector.Jwt, "[jwt]")]
    [InlineData(PiiDetector.ApiKey, "[secret]")]
    [InlineData(PiiDetector.SecretByName, "[secret]")]
    public void Placeholders_name_the_detector(PiiDetector detector, string placeholder) =>
        Assert.Equal(placeholder, PiiRedactor.Placeholder(detector));

    [Fact]
    public void Pseudonymise_uses_the_callers_function_per_hit()
    {
        var policy = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Pseudonymise });
        var scan = PiiScanner.Default.Scan("note", Text);
        var redaction = PiiRedactor.Apply(Text, scan, policy, "note", Hmac);
        Assert.Equal($"mail [email:{Hmac("jane@example.com")}] or call [phone], card [card]", redaction.Value);
        Assert.Equal(PiiPolicyAction.Redact, redaction.Action); // the phone and card were redacted

        var same = PiiRedactor.Apply("jane@example.com", PiiScanner.Default.Scan("e", "jane@example.com"), PiiPolicyAction.Pseudonymise, Hmac);
        Assert.Equal(PiiPolicyAction.Pseudonymise, same.Action);
        Assert.Equal($"[email:{Hmac("jane@example.com")}]", same.Value);
    }

    [Fact]
    public void Pseudonymise_without_a_function_redacts()
    {
        var value = "jane@example.com";
        var redaction = PiiRedactor.Apply(value, PiiScanner.Default.Scan("e", value), PiiPolicyAction.Pseudonymise);
        Assert.Equal(new PiiRedaction(PiiPolicyAction.Redact, "[email]"), redaction);
    }

    [Fact]
    public void Drop_and_vault_are_signalled_not_applied()
    {
        var scan = PiiScanner.Default.Scan("note", Text);
        var drop = PiiRedactor.Apply(Text, scan, PiiPolicyAction.Drop);
        Assert.Equal(new PiiRedaction(PiiPolicyAction.Drop, null), drop);
        Assert.True(drop.RemovesProperty);
        var vault = PiiRedactor.Apply(Text, scan, PiiPolicyAction.Vault);
        Assert.Equal(new PiiRedaction(PiiPolicyAction.Vault, null), vault);
        Assert.True(vault.RemovesProperty);
    }

    [Fact]
    public void Drop_beats_vault_beats_rewriting()
    {
        var scan = PiiScanner.Default.Scan("note", Text);
        var policy = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction>
        {
            [PiiDetector.Email] = PiiPolicyAction.Vault,
            [PiiDetector.Phone] = PiiPolicyAction.Drop,
        });
        Assert.Equal(PiiPolicyAction.Drop, PiiRedactor.Apply(Text, scan, policy, "note").Action);
        var vaultOnly = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Vault });
        Assert.Equal(PiiPolicyAction.Vault, PiiRedactor.Apply(Text, scan, vaultOnly, "note").Action);
    }

    [Fact]
    public void Allow_keeps_the_value_and_mixed_allow_keeps_those_hits()
    {
        var scan = PiiScanner.Default.Scan("note", Text);
        var allowAll = PiiRedactor.Apply(Text, scan, PiiPolicyAction.Allow);
        Assert.Equal(PiiPolicyAction.Allow, allowAll.Action);
        Assert.Same(Text, allowAll.Value);
        var policy = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Phone] = PiiPolicyAction.Allow });
        Assert.Equal("mail [email] or call +14155552671, card [card]", PiiRedactor.Apply(Text, scan, policy, "note").Value);
    }

    [Fact]
    public void No_hits_means_allow()
    {
        var redaction = PiiRedactor.Apply("hello", PiiScanResult.None, PiiPolicy.Default, "note");
        Assert.Equal(new PiiRedaction(PiiPolicyAction.Allow, "hello"), redaction);
    }
}
