namespace Veil.Security.Ledger;

/// <summary>How sensitive a returned field is: what an incident report counts as exposed.</summary>
public enum DataClassification
{
    /// <summary>Counts and other aggregates (thresholded): no individual-level data.</summary>
    Aggregate,

    /// <summary>Individual-level data keyed by pseudonym (events of a person, profile properties that are not PII).</summary>
    Pseudonymous,

    /// <summary>Decrypted vault PII (email, name, phone…).</summary>
    VaultPii,
}
