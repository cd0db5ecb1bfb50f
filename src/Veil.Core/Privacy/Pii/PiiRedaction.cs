namespace Veil.Core.Privacy.Pii;

/// <summary>
/// What <see cref="PiiRedactor"/> made of a value. <see cref="Action"/> is the strongest action taken:
/// <see cref="PiiPolicyAction.Allow"/> (value unchanged), <see cref="PiiPolicyAction.Redact"/> or
/// <see cref="PiiPolicyAction.Pseudonymise"/> (<see cref="Value"/> rewritten), or <see cref="PiiPolicyAction.Drop"/> /
/// <see cref="PiiPolicyAction.Vault"/> (<see cref="Value"/> is null: the caller drops the property or stores the
/// original in the vault).
/// </summary>
public readonly record struct PiiRedaction(PiiPolicyAction Action, string? Value)
{
    /// <summary>Whether the caller must remove the property from the event.</summary>
    public bool RemovesProperty => Action is PiiPolicyAction.Drop or PiiPolicyAction.Vault;
}
