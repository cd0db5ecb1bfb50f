namespace Veil.Query.Model;

/// <summary>What an insights series counts or aggregates in each cell.</summary>
public enum MeasureKind
{
    /// <summary>Number of events.</summary>
    Total,
    /// <summary>Distinct persons (after identity merge).</summary>
    UniquePersons,
    /// <summary>Distinct non-null session ids.</summary>
    Sessions,
    /// <summary>Average over persons of each person's event count.</summary>
    PerPersonAverage,
    /// <summary>Percentile (continuous) over persons of each person's event count; median is 50.</summary>
    PerPersonPercentile,
    /// <summary>Sum of a numeric property.</summary>
    Sum,
    Average,
    Min,
    Max,
    /// <summary>Percentile (continuous) of a numeric property.</summary>
    Percentile,
    /// <summary>Distinct groups of a group key (the property named after the key holds the group id).</summary>
    UniqueGroups,
}
