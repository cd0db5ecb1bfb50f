using CsCheck;
using Veil.Query.Model;
using Veil.Query.Reference;

namespace Veil.Query.Tests;

/// <summary>Static cohorts: the snapshot taken when saved, not later events, decides membership — as the reference says.</summary>
public sealed class StaticCohortTests : IDisposable
{
    private readonly QueryStore _store = new();

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Reports_filtered_by_a_static_cohort_match_the_reference_after_later_events()
    {
        Gen.Select(Generators.Data, Generators.Data, Generators.Insights).Sample((before, after, query) =>
        {
            var project = _store.Load(before);
            _store.Snapshot(project, 5);
            var snapshot = new ReferenceEngine(before, id => Generators.Cohorts[id], QueryStore.Now).CohortMembers(project, Generators.Cohorts[5]);
            var size = _store.Engine.CountCohort(project, Generators.Cohorts[5], default, 5);
            // Later events of the same persons (fresh insert ids so none is a duplicate).
            var later = after.Events.Select(e =>
            {
                e.InsertId = "later-" + e.InsertId;
                return e;
            }).ToList();
            _store.Append(project, later);
            Assert.Equal(size, _store.Engine.CountCohort(project, Generators.Cohorts[5], default, 5));
            var all = new ReferenceData([.. before.Events, .. later], before.IdentityMap, before.Profiles)
            {
                Snapshots = new Dictionary<long, IReadOnlySet<Guid>> { [5] = snapshot },
            };
            var filtered = query with { Filters = [.. query.Filters, new PropertyFilter(new("$cohort"), FilterOperator.InCohort, [], [], 5)] };
            var report = _store.Engine.Insights(project, filtered, "UTC", new QueryOptions(MinimumPersons: 1));
            var expected = new ReferenceEngine(all, id => Generators.Cohorts[id], QueryStore.Now).Insights(project, filtered, report.Range);
            Results.Equal(expected, report.Cells.ToList(), "static cohort");
        }, iter: 40, threads: 1);
    }
}
