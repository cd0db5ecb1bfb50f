namespace Veil.Core.Privacy.Pii;

/// <summary>What the privacy pipeline does with a PII hit.</summary>
public enum PiiPolicyAction
{
    /// <summary>Replace the hit by a placeholder such as <c>[email]</c>.</summary>
    Redact,
    /// <summary>Replace the hit by a keyed pseudonym such as <c>[email:3f2a…]</c>, so equal values still group together.</summary>
    Pseudonymise,
    /// <summary>Remove the whole property.</summary>
    Drop,
    /// <summary>Remove the whole property from the event and hand its value to the caller for the identity vault.</summary>
    Vault,
    /// <summary>Keep the value as it is.</summary>
    Allow,
}
