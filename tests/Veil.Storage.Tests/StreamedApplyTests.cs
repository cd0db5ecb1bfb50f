using Veil.Core.Events;
using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

/// <summary>
/// <see cref="IEventStore.BeginApply"/>: the store writer feeds an apply one WAL record at a time, and the result must be
/// the same as one <see cref="IEventStore.Apply"/> of them all: invisible until committed, deduplicated across records,
/// and nothing left behind by an apply that is disposed or failed.
/// </summary>
public sealed class StreamedApplyTests : IDisposable
{
    private const int Project = 7;
    private readonly TempStoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Records_added_one_at_a_time_are_invisible_until_commit_and_deduplicated_across_records()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        store.Apply(At(1, UniqueBatch(Project, 1, 30)));

        using (var apply = store.BeginApply())
        {
            apply.Add(2, UniqueBatch(Project, 2, 40));
            var mixed = UniqueBatch(Project, 3, 5);
            mixed.Events.AddRange(UniqueBatch(Project, 2, 10).Events); // re-sent from the record before, still uncommitted
            mixed.Events.AddRange(UniqueBatch(Project, 1, 3).Events);  // re-sent from the committed apply
            apply.Add(3, mixed);
            apply.Add(4, new IngestBatch());

            // Readers see the last committed state while the apply is open (and are not blocked by it).
            Assert.Equal(30, store.CountEvents(Project));
            Assert.Equal(1, store.AppliedLsn);

            Assert.Equal(new StoreApplyResult(45, 13, 0), apply.Commit());
        }
        Assert.Equal(4, store.AppliedLsn);
        Assert.Equal(75, store.CountEvents(Project));
    }

    [Fact]
    public void A_day_first_seen_in_an_open_apply_is_loaded_beside_the_rows_already_appended()
    {
        using (var first = DuckDbEventStore.Open(_dir.StoreFile))
        {
            first.Apply(At(1, UniqueBatch(Project, 1, 20)));
        }
        // A fresh index meets Day0 only in the third record, after the apply has appended rows of the next day: the day
        // is read from the file while the transaction and its appender are open, and must hold exactly the committed keys.
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var nextDay = Batch([.. UniqueBatch(Project, 2, 10).Events.Select(e => Event(Project, timeMs: e.TimeMs + DayMs, insertId: e.InsertId))]);
        using (var apply = store.BeginApply())
        {
            apply.Add(2, nextDay);
            apply.Add(3, UniqueBatch(Project, 1, 20));
            apply.Add(4, UniqueBatch(Project, 4, 5));
            Assert.Equal(new StoreApplyResult(15, 20, 0), apply.Commit());
        }
        Assert.Equal(35, store.CountEvents(Project));

        // And an aborted apply's rows of a day loaded inside it are not taken as stored afterwards.
        using (var apply = store.BeginApply())
        {
            apply.Add(5, UniqueBatch(Project, 5, 7));
        }
        Assert.Equal(new StoreApplyResult(7, 0, 0), store.Apply(At(5, UniqueBatch(Project, 5, 7))));
    }

    [Fact]
    public void Disposing_without_commit_rolls_back_events_profiles_and_merges()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var withProfile = UniqueBatch(Project, 1, 25);
        withProfile.ProfileUpdates.Add(new ProfileUpdate { ProjectId = Project, Subject = Person(1), Operation = "$set", ValueJson = "{\"plan\":\"pro\"}" });
        var merge = Event(Project, "$identify", insertId: "merge", person: 2);
        merge.UserId = Person(900);
        merge.DeviceId = Person(2);
        using (var apply = store.BeginApply())
        {
            apply.Add(1, withProfile);
            apply.Add(2, Batch(merge));
        }
        Assert.Equal(0, store.AppliedLsn);
        Assert.Equal(0, store.CountEvents(Project));
        Assert.Null(store.FindPerson(Project, Person(1)));
        Assert.Null(store.FindPerson(Project, Person(900)));

        // Applied again, nothing is taken for a duplicate of the rolled-back rows.
        Assert.Equal(new StoreApplyResult(26, 0, 1), store.Apply([(1, withProfile), (2, Batch(merge))]));
        Assert.Equal(26, store.CountEvents(Project));
    }

    [Fact]
    public void A_record_that_fails_poisons_the_apply_until_it_is_disposed()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var bad = Event(Project, insertId: "bad");
        bad.IngestedAtMs = long.MaxValue; // not storable as a timestamp
        using (var apply = store.BeginApply())
        {
            apply.Add(1, UniqueBatch(Project, 1, 10));
            Assert.ThrowsAny<ArgumentException>(() => apply.Add(2, Batch(bad)));
            Assert.Throws<InvalidOperationException>(() => apply.Add(3, UniqueBatch(Project, 3, 10)));
            Assert.Throws<InvalidOperationException>(() => apply.Commit());
        }
        Assert.Equal(0, store.AppliedLsn);
        Assert.Equal(0, store.CountEvents(Project));
        Assert.Equal(new StoreApplyResult(10, 0, 0), store.Apply(At(1, UniqueBatch(Project, 1, 10))));
    }

    [Fact]
    public async Task An_apply_with_no_records_changes_nothing_and_releases_the_store()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        using (var apply = store.BeginApply())
        {
            Assert.Equal(default, apply.Commit());
        }
        Assert.Equal(0, store.AppliedLsn);
        // The write lock is free again: a second apply (here on another thread) goes ahead.
        // (A lock left held would hang here until the timeout, which fails the test.)
        await Task.Run(() => store.Apply(At(1, UniqueBatch(Project, 1, 3)))).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, store.CountEvents(Project));
    }

    [Fact]
    public void Lsns_must_rise_within_an_apply()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        using var apply = store.BeginApply();
        apply.Add(5, UniqueBatch(Project, 5, 2));
        Assert.Throws<ArgumentException>(() => apply.Add(5, UniqueBatch(Project, 6, 2)));
        Assert.Throws<ArgumentException>(() => apply.Add(4, UniqueBatch(Project, 6, 2)));
        // A rejected LSN writes nothing, so the apply is still good.
        apply.Add(6, UniqueBatch(Project, 6, 2));
        Assert.Equal(new StoreApplyResult(4, 0, 0), apply.Commit());
        Assert.Equal(6, store.AppliedLsn);
    }
}
