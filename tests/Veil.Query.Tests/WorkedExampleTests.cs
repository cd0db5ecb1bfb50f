using Veil.Core.Events;
using Veil.Query.Model;
using Veil.Query.Reference;
using Veil.Query.Results;

namespace Veil.Query.Tests;

/// <summary>Small hand-checked examples in the spirit of Mixpanel's documentation of each report; each also agrees with the reference.</summary>
public sealed class WorkedExampleTests : IDisposable
{
    private static readonly DateOnly Day = new(2026, 3, 2); // a Monday
    private readonly QueryStore _store = new();
    private readonly List<StoredEvent> _events = [];
    private readonly Dictionary<Guid, Guid> _merges = [];
    private readonly Dictionary<string, int> _people = [];
    private int _next;

    public void Dispose() => _store.Dispose();

    [Fact]
    public void Total_counts_every_event_and_unique_counts_each_person_once()
    {
        Add("Song Played", "ann", 0, 10);
        Add("Song Played", "ann", 0, 11);
        Add("Song Played", "ann", 1, 9);
        Add("Song Played", "bob", 1, 12);
        var (project, data) = Load();
        var total = Insights(project, data, new InsightsQuery(DateRange.Absolute(Day, Day.AddDays(1)), "UTC", Interval.Total,
            [new("Song Played", Measure.Total, []), new("Song Played", new(MeasureKind.UniquePersons), []), new("Song Played", new(MeasureKind.PerPersonAverage), [])],
            [], [], 10, null));
        Assert.Equal([4.0, 2.0, 2.0], total.Select(c => c.Value!.Value));
    }

    [Fact]
    public void Anonymous_events_count_for_the_person_they_are_merged_into()
    {
        // Mixpanel's ID merge: events sent before login under the device id belong to the user afterwards.
        Add("Viewed Pricing", "device-1", 0, 9);
        Add("Signed Up", "user-1", 0, 10);
        Merge("device-1", "user-1");
        var (project, data) = Load();
        var rows = Funnel(project, data, new FunnelQuery(DateRange.Absolute(Day, Day), "UTC",
            [new("Viewed Pricing", []), new("Signed Up", [])], 3600, [], null, 10, []));
        Assert.Equal([1L, 1L], rows[0].Counts);
        Assert.Equal(3600.0, rows[0].MedianSeconds[1]);
    }

    [Fact]
    public void Events_at_the_same_millisecond_are_ordered_by_insert_id()
    {
        // Insert ids e000 < e001 < …: ann enters at her first Visit (plan pro), and the Purchase between her two Visits
        // comes after the entry; bob's Purchase comes before his only Visit, so he stays at step 1.
        Add("Visit", "ann", 0, 9, properties: """{"plan":"pro"}""");
        Add("Purchase", "ann", 0, 9);
        Add("Visit", "ann", 0, 9, properties: """{"plan":"free"}""");
        Add("Purchase", "bob", 0, 9);
        Add("Visit", "bob", 0, 9, properties: """{"plan":"free"}""");
        var (project, data) = Load();
        var rows = Funnel(project, data, new FunnelQuery(DateRange.Absolute(Day, Day), "UTC",
            [new("Visit", []), new("Purchase", [])], 3600, [], new PropertyRef("plan"), 10, []));
        Assert.Equal([2L, 1L], rows[0].Counts);
        Assert.Equal([1L, 0L], rows.Single(r => r.Breakdown is ["free"]).Counts);
        Assert.Equal([1L, 1L], rows.Single(r => r.Breakdown is ["pro"]).Counts);
    }

    [Fact]
    public void A_funnel_converts_in_order_within_the_window_with_other_events_between()
    {
        Add("Visit", "ann", 0, 9);
        Add("Browse", "ann", 0, 9, minute: 5); // unrelated event between steps: loose order still converts
        Add("Purchase", "ann", 0, 10);
        Add("Visit", "bob", 0, 9);
        Add("Purchase", "bob", 2, 9); // two days later: outside a one-day window
        Add("Purchase", "cy", 0, 8);  // purchase before the visit does not count
        Add("Visit", "cy", 0, 9);
        var (project, data) = Load();
        var rows = Funnel(project, data, new FunnelQuery(DateRange.Absolute(Day, Day), "UTC",
            [new("Visit", []), new("Purchase", [])], 86_400, [], null, 10, []));
        Assert.Equal([3L, 1L], rows[0].Counts);
    }

    [Fact]
    public void The_window_runs_from_the_first_entry_event_as_in_mixpanels_documentation()
    {
        // Mixpanel's funnels documentation (conversion window): A -> B -> C with a one-hour window; the user does A at
        // 1pm and again at 1:30pm, B at 1:45pm and C at 2:15pm. The window starts at the first A and later As do not
        // reset it, so the user converts to B but not to C.
        Add("A", "ann", 0, 13);
        Add("A", "ann", 0, 13, minute: 30);
        Add("B", "ann", 0, 13, minute: 45);
        Add("C", "ann", 0, 14, minute: 15);
        // Unique funnels count a person once, on their first entry, even if they complete the funnel again later.
        Add("A", "bob", 0, 9);
        Add("B", "bob", 0, 9, minute: 10);
        Add("C", "bob", 0, 9, minute: 20);
        Add("A", "bob", 0, 15);
        Add("B", "bob", 0, 15, minute: 10);
        Add("C", "bob", 0, 15, minute: 20);
        var (project, data) = Load();
        var rows = Funnel(project, data, new FunnelQuery(DateRange.Absolute(Day, Day), "UTC",
            [new("A", []), new("B", []), new("C", [])], 3_600, [], null, 10, []));
        Assert.Equal([2L, 2L, 1L], rows[0].Counts);
        Assert.Equal(1200.0, rows[0].MedianSeconds[2]); // bob's first run: 9:00 -> 9:20
    }

    [Fact]
    public void Strict_order_needs_consecutive_events_and_any_order_lets_later_steps_swap()
    {
        Add("Visit", "ann", 0, 9);
        Add("Cart", "ann", 0, 10);
        Add("Purchase", "ann", 0, 11);   // consecutive: converts in every mode
        Add("Visit", "bob", 0, 9);
        Add("Browse", "bob", 0, 10);     // an event between the steps: strict stops bob at step 1
        Add("Cart", "bob", 0, 11);
        Add("Purchase", "bob", 0, 12);
        Add("Visit", "cy", 0, 9);
        Add("Purchase", "cy", 0, 10);    // steps 2 and 3 swapped: only any order converts
        Add("Cart", "cy", 0, 11);
        Add("Purchase", "dan", 0, 8);    // before the entry: never a step, in any mode
        Add("Visit", "dan", 0, 9);
        Add("Cart", "dan", 0, 10);
        var (project, data) = Load();
        FunnelQuery Query(FunnelOrder order) => new(DateRange.Absolute(Day, Day), "UTC",
            [new("Visit", []), new("Cart", []), new("Purchase", [])], 86_400, [], null, 10, [], null, order);
        Assert.Equal([4L, 4L, 2L], Funnel(project, data, Query(FunnelOrder.Sequential))[0].Counts);
        Assert.Equal([4L, 2L, 1L], Funnel(project, data, Query(FunnelOrder.Strict))[0].Counts);
        var any = Funnel(project, data, Query(FunnelOrder.Any))[0];
        Assert.Equal([4L, 4L, 3L], any.Counts);
        // cy reaches step 3 when both later steps are done: at 11:00, two hours after the entry.
        Assert.Equal(7200.0, any.MedianSeconds[2]);
    }

    [Fact]
    public void Retention_counts_a_return_in_the_nth_day_after_the_cohort_day()
    {
        // Born Monday; returns Wednesday (day 2) and the next Monday (day 7).
        Add("Signed Up", "ann", 0, 10);
        Add("Opened App", "ann", 2, 23);
        Add("Opened App", "ann", 7, 1);
        Add("Signed Up", "bob", 0, 11);
        Add("Opened App", "bob", 1, 0);
        var (project, data) = Load();
        var query = new RetentionQuery(DateRange.Absolute(Day, Day), "UTC", new("Signed Up", []), new("Opened App", []), Interval.Day, 7, true, false, [], null, 10);
        var all = Retention(project, data, query).Single(r => r.Cohort is null);
        Assert.Equal([2L, 1, 1, 0, 0, 0, 0, 1], all.Counts);
        var unbounded = Retention(project, data, query with { Unbounded = true }).Single(r => r.Cohort is null);
        Assert.Equal([2L, 2, 1, 1, 1, 1, 1, 1], unbounded.Counts);
    }

    [Fact]
    public void Day_buckets_follow_the_query_time_zone_across_daylight_saving()
    {
        // 2026-03-29 01:30 UTC is 03:30 in Berlin (after the clocks moved), 2026-03-28 22:30 UTC is 23:30 the day before.
        Add("Ping", "ann", 26, 22, minute: 30);
        Add("Ping", "ann", 27, 1, minute: 30);
        Add("Ping", "ann", 27, 22, minute: 30);
        var (project, data) = Load();
        var cells = Insights(project, data, new InsightsQuery(DateRange.Absolute(Day.AddDays(26), Day.AddDays(28)), "Europe/Berlin", Interval.Day,
            [new("Ping", Measure.Total, [])], [], [], 10, null));
        Assert.Equal(["2026-03-28:1", "2026-03-29:1", "2026-03-30:1"], cells.Select(c => $"{c.Bucket:yyyy-MM-dd}:{c.Value}"));
    }

    [Fact]
    public void A_threshold_hides_cells_and_other_rows_behind_fewer_than_k_persons()
    {
        Add("Visit", "ann", 0, 9, properties: """{"plan":"pro"}""");
        Add("Visit", "bob", 0, 9, properties: """{"plan":"pro"}""");
        Add("Visit", "cy", 0, 9, properties: """{"plan":"free"}""");
        Add("Visit", "dee", 0, 9, properties: """{"plan":"team"}""");
        var (project, _) = Load();
        var query = new InsightsQuery(DateRange.Absolute(Day, Day), "UTC", Interval.Total, [new("Visit", new(MeasureKind.Total), [])], [], [new("plan")], 1, null);
        var cells = _store.Engine.Insights(project, query, "UTC", new QueryOptions(MinimumPersons: 2)).Cells;
        Assert.Equal(2.0, cells.Single(c => !c.Other).Value);
        // "other" holds cy and dee: two persons, shown; with k = 3 both rows are hidden.
        Assert.Equal(2.0, cells.Single(c => c.Other).Value);
        var strict = _store.Engine.Insights(project, query, "UTC", new QueryOptions(MinimumPersons: 3)).Cells;
        Assert.All(strict, c => Assert.True(c.Suppressed && c.Value is null));
        var funnel = _store.Engine.Funnel(project, new FunnelQuery(DateRange.Absolute(Day, Day), "UTC", [new("Visit", []), new("Visit", [])], 60, [], null, 10, []),
            "UTC", new QueryOptions(MinimumPersons: 2)).Rows[0];
        Assert.Equal([4L, 0L], funnel.Counts);
        Assert.Equal([false, true], funnel.Suppressed);
    }

    [Fact]
    public void Unique_groups_count_distinct_group_ids_in_strings_and_lists()
    {
        Add("A", "ann", 0, 9, properties: """{"company":"g1"}""");
        Add("A", "ann", 0, 10, properties: """{"company":["g1","g2"]}""");
        Add("A", "bob", 0, 9, properties: """{"company":["g2",3,"g3"]}"""); // the number is not a group id
        Add("A", "cy", 0, 9);
        Add("A", "dan", 1, 9, properties: """{"company":"g4"}""");
        var (project, data) = Load();
        var cells = Insights(project, data, new InsightsQuery(DateRange.Absolute(Day, Day.AddDays(1)), "UTC", Interval.Day,
            [new("A", new(MeasureKind.UniqueGroups, new("company")), [])], [], [], 10, null));
        Assert.Equal([3.0, 1.0], cells.Select(c => c.Value!.Value));
    }

    [Fact]
    public void A_static_cohort_keeps_the_members_of_its_snapshot()
    {
        Add("A", "ann", 0, 9);
        Add("A", "ann", 0, 10);  // two A events: a member of "did A at least twice"
        Add("A", "bob", 0, 9);   // one: not yet
        var (project, data) = Load();
        _store.Snapshot(project, 5);
        Assert.Equal(1, _store.Engine.CountCohort(project, Generators.Cohorts[5], default, 5));
        _events.Clear();
        Add("A", "bob", 1, 9);   // bob's second A comes after the snapshot
        _store.Append(project, _events);
        Assert.Equal(1, _store.Engine.CountCohort(project, Generators.Cohorts[5], default, 5));
        Assert.Equal(2, _store.Engine.CountCohort(project, Generators.Cohorts[1]));  // the same criteria, dynamic
        var unique = _store.Engine.Insights(project, new InsightsQuery(DateRange.Absolute(Day, Day.AddDays(1)), "UTC", Interval.Total,
            [new("A", new(MeasureKind.UniquePersons), [])], [new(new("$cohort"), FilterOperator.InCohort, [], [], 5)], [], 10, null), "UTC", QueryOptions.None);
        Assert.Equal(1.0, unique.Cells.Single().Value);
    }

    private void Add(string name, string who, int day, int hour, int minute = 0, string properties = "{}") =>
        _events.Add(new StoredEvent
        {
            Name = name,
            TimeMs = (long)(Day.AddDays(day).ToDateTime(new TimeOnly(hour, minute), DateTimeKind.Utc) - DateTime.UnixEpoch).TotalMilliseconds,
            InsertId = "e" + (_next++).ToString("000", System.Globalization.CultureInfo.InvariantCulture),
            DistinctId = Person(who),
            PropertiesJson = properties,
            IngestedAtMs = 1,
        });

    private Veil.Core.Privacy.Pseudonym Person(string name)
    {
        if (!_people.TryGetValue(name, out var n)) _people[name] = n = 100 + _people.Count;
        return Generators.Id(n);
    }

    private void Merge(string member, string person) =>
        _merges[Person(member).ToGuid()] = Person(person).ToGuid();

    private (int Project, ReferenceData Data) Load()
    {
        var data = new ReferenceData(_events, _merges, new Dictionary<Guid, string>());
        return (_store.Load(data), data);
    }

    private List<InsightsCell> Insights(int project, ReferenceData data, InsightsQuery query)
    {
        var report = _store.Engine.Insights(project, query, "UTC", new QueryOptions(MinimumPersons: 1));
        var expected = new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Insights(project, query, report.Range);
        Results.Equal(expected, report.Cells.ToList(), "worked example");
        return report.Cells.OrderBy(c => c.Series).ThenBy(c => c.Bucket).ToList();
    }

    private List<FunnelRow> Funnel(int project, ReferenceData data, FunnelQuery query)
    {
        var report = _store.Engine.Funnel(project, query, "UTC", QueryOptions.None);
        Results.Equal(new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Funnel(project, query, report.Range), report.Rows.ToList(), "worked example");
        return report.Rows.ToList();
    }

    private List<RetentionRow> Retention(int project, ReferenceData data, RetentionQuery query)
    {
        var report = _store.Engine.Retention(project, query, "UTC", QueryOptions.None);
        Results.Equal(new ReferenceEngine(data, id => Generators.Cohorts[id], QueryStore.Now).Retention(project, query, report.Range), report.Rows.ToList(), "worked example");
        return report.Rows.ToList();
    }
}
