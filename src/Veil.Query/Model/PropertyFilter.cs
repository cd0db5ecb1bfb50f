namespace Veil.Query.Model;

/// <summary>
/// One condition on a property. <see cref="Values"/> holds the strings for string operators; <see cref="Numbers"/>
/// the bounds for numeric ones (one, or two for <see cref="FilterOperator.Between"/>); <see cref="CohortId"/> the
/// cohort for the cohort operators (whose <see cref="Property"/> is ignored).
/// </summary>
public sealed record PropertyFilter(PropertyRef Property, FilterOperator Operator, IReadOnlyList<string> Values, IReadOnlyList<double> Numbers, long? CohortId = null)
{
    /// <summary>True when the operator compares numbers.</summary>
    public bool IsNumeric => Operator is FilterOperator.GreaterThan or FilterOperator.GreaterOrEqual or FilterOperator.LessThan
        or FilterOperator.LessOrEqual or FilterOperator.Between;

    /// <summary>True when the operator is about cohort membership.</summary>
    public bool IsCohort => Operator is FilterOperator.InCohort or FilterOperator.NotInCohort;
}
