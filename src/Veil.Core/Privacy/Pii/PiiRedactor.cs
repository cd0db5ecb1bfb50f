using System.Text;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Applies a policy to one scanned value: each hit is replaced by its placeholder (<c>[email]</c>, <c>[card]</c>…) or
/// by a keyed pseudonym (<c>[email:3f2a…]</c>), or the whole value is dropped or routed to the vault. Drop wins over
/// Vault, and Vault over rewriting, when hits in one value ask for different actions.
/// </summary>
public static class PiiRedactor
{
    /// <summary>The placeholder that replaces a redacted hit.</summary>
    public static string Placeholder(PiiDetector detector) => detector switch
    {
        PiiDetector.Email => "[email]",
        PiiDetector.Phone => "[phone]",
        PiiDetector.PaymentCard => "[card]",
        PiiDetector.Iban => "[iban]",
        PiiDetector.UsSsn => "[ssn]",
        PiiDetector.IpAddress => "[ip]",
        PiiDetector.Jwt => "[jwt]",
        _ => "[secret]",
    };

    /// <summary>
    /// Applies <paramref name="policy"/> to the hits of <paramref name="scan"/> in <paramref name="value"/>, a value of
    /// <paramref name="propertyName"/>. <paramref name="pseudonymise"/> maps a hit's text to a pseudonym (e.g. a hex
    /// prefix of an HMAC under the project key); without it, hits the policy would pseudonymise are redacted.
    /// </summary>
    public static PiiRedaction Apply(string value, PiiScanResult scan, PiiPolicy policy, string propertyName, Func<string, string>? pseudonymise = null)
    {
        var hits = scan.Hits;
        var actions = hits.Length <= 32 ? stackalloc PiiPolicyAction[hits.Length] : new PiiPolicyAction[hits.Length];
        for (var i = 0; i < hits.Length; i++) actions[i] = policy.ActionFor(propertyName, hits[i].Detector);
        return Apply(value, value, hits, actions, pseudonymise);
    }

    /// <summary>Applies one <paramref name="action"/> to every hit of <paramref name="scan"/> in <paramref name="value"/>.</summary>
    public static PiiRedaction Apply(string value, PiiScanResult scan, PiiPolicyAction action, Func<string, string>? pseudonymise = null)
    {
        var hits = scan.Hits;
        var actions = hits.Length <= 32 ? stackalloc PiiPolicyAction[hits.Length] : new PiiPolicyAction[hits.Length];
        actions.Fill(action);
        return Apply(value, value, hits, actions, pseudonymise);
    }

    /// <summary>The core: <paramref name="original"/> is <paramref name="value"/> as a string when the caller has one.</summary>
    internal static PiiRedaction Apply(
        ReadOnlySpan<char> value, string? original, ReadOnlySpan<PiiHit> hits, ReadOnlySpan<PiiPolicyAction> actions, Func<string, string>? pseudonymise)
    {
        var drop = false;
        var vault = false;
        var rewrite = false;
        var redacted = false;
        foreach (var action in actions)
        {
            switch (action)
            {
                case PiiPolicyAction.Drop: drop = true; break;
                case PiiPolicyAction.Vault: vault = true; break;
                case PiiPolicyAction.Redact: rewrite = redacted = true; break;
                case PiiPolicyAction.Pseudonymise:
                    rewrite = true;
                    if (pseudonymise is null) redacted = true;
                    break;
                default: break;
            }
        }
        if (drop) return new PiiRedaction(PiiPolicyAction.Drop, null);
        if (vault) return new PiiRedaction(PiiPolicyAction.Vault, null);
        if (!rewrite) return new PiiRedaction(PiiPolicyAction.Allow, original ?? value.ToString());

        var builder = new StringBuilder(value.Length + 16);
        var pos = 0;
        for (var i = 0; i < hits.Length; i++)
        {
            var hit = hits[i];
            var action = actions[i];
            if (action == PiiPolicyAction.Allow) continue;
            builder.Append(value[pos..hit.Start]);
            if (action == PiiPolicyAction.Pseudonymise && pseudonymise is not null)
            {
                var placeholder = Placeholder(hit.Detector);
                builder.Append(placeholder.AsSpan(0, placeholder.Length - 1))
                    .Append(':')
                    .Append(pseudonymise(value.Slice(hit.Start, hit.Length).ToString()))
                    .Append(']');
            }
            else
            {
                builder.Append(Placeholder(hit.Detector));
            }
            pos = hit.End;
        }
        builder.Append(value[pos..]);
        return new PiiRedaction(redacted ? PiiPolicyAction.Redact : PiiPolicyAction.Pseudonymise, builder.ToString());
    }
}
