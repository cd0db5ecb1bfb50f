namespace Veil.Query.Model;

/// <summary>
/// A property by name. Event properties named like Mixpanel's built-ins (<c>$browser</c>, <c>$country_code</c>, …)
/// read the store's own columns (see <see cref="BuiltInProperties"/>); every other name reads the free JSON properties.
/// </summary>
public sealed record PropertyRef(string Name, PropertySource Source = PropertySource.Event)
{
    /// <summary>The text of a cohort breakdown (insights only): the event's person is in the cohort.</summary>
    public const string InCohort = "in cohort";

    /// <summary>The text of a cohort breakdown for events whose person is not in the cohort (or who have none).</summary>
    public const string NotInCohort = "not in cohort";

    /// <summary>Set for a cohort breakdown: instead of a property, whether the event's person is in this cohort.</summary>
    public long? CohortId { get; init; }

    /// <summary>A cohort breakdown: <see cref="InCohort"/> or <see cref="NotInCohort"/> per event.</summary>
    public static PropertyRef Cohort(long cohortId) => new("$cohort") { CohortId = cohortId };
}
