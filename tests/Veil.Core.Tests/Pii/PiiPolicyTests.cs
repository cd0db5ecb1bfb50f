using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiPolicyTests
{
    [Fact]
    public void Everything_is_redacted_by_default()
    {
        foreach (var detector in Enum.GetValues<PiiDetector>())
        {
            Assert.Equal(PiiPolicyAction.Redact, PiiPolicy.Default.ActionFor(detector));
            Assert.Equal(PiiPolicyAction.Redact, PiiPolicy.Default.ActionFor("anything", detector));
        }
        Assert.False(PiiPolicy.Default.IsAllowed("email"));
    }

    [Fact]
    public void Detector_defaults_property_overrides_and_allow_list()
    {
        var policy = new PiiPolicy(
            new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Vault, [PiiDetector.IpAddress] = PiiPolicyAction.Drop },
            new Dictionary<string, PiiPolicyAction> { ["support_note"] = PiiPolicyAction.Pseudonymise, ["billing.email"] = PiiPolicyAction.Drop },
            ["$current_url", "company.website"]);

        Assert.Equal(PiiPolicyAction.Vault, policy.ActionFor("email", PiiDetector.Email));
        Assert.Equal(PiiPolicyAction.Drop, policy.ActionFor("ip", PiiDetector.IpAddress));
        Assert.Equal(PiiPolicyAction.Redact, policy.ActionFor("note", PiiDetector.Phone));
        // An override applies to every detector in that property, case-insensitively.
        Assert.Equal(PiiPolicyAction.Pseudonymise, policy.ActionFor("Support_Note", PiiDetector.Email));
        Assert.Equal(PiiPolicyAction.Pseudonymise, policy.ActionFor("support_note", PiiDetector.Phone));
        Assert.Equal(PiiPolicyAction.Drop, policy.ActionFor("billing.email", PiiDetector.Email));
        Assert.True(policy.IsAllowed("$current_url"));
        Assert.True(policy.IsAllowed("$CURRENT_URL"));
        Assert.True(policy.IsAllowed("company.website"));
        Assert.False(policy.IsAllowed("website"));
    }
}
