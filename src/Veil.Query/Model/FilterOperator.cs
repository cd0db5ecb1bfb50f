namespace Veil.Query.Model;

/// <summary>What a <see cref="PropertyFilter"/> checks. String operators compare the property's text form.</summary>
public enum FilterOperator
{
    /// <summary>Equal to any of the values (case-sensitive).</summary>
    Equals,
    /// <summary>Set and equal to none of the values.</summary>
    NotEquals,
    /// <summary>Contains the value, ignoring case.</summary>
    Contains,
    /// <summary>Set and does not contain the value, ignoring case.</summary>
    NotContains,
    /// <summary>Matches the regular expression somewhere (RE2 syntax: no backreferences or look-around).</summary>
    Regex,
    /// <summary>Set and does not match the regular expression.</summary>
    NotRegex,
    GreaterThan,
    GreaterOrEqual,
    LessThan,
    LessOrEqual,
    /// <summary>Numeric value in [min, max] inclusive.</summary>
    Between,
    IsSet,
    IsNotSet,
    /// <summary>The event's person is a member of the cohort.</summary>
    InCohort,
    /// <summary>The event's person is not a member of the cohort (events without a person pass).</summary>
    NotInCohort,
}
