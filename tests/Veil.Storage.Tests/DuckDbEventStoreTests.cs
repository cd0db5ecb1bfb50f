using System.Globalization;
using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

public sealed class DuckDbEventStoreTests : IDisposable
{
    private const int Project = 7;
    private readonly TempStoreDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void New_store_starts_at_lsn_zero_and_empty()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(0, store.AppliedLsn);
        Assert.Equal(0, store.CountEvents(Project));
    }

    [Fact]
    public void A_day_beyond_the_dedup_budget_is_settled_by_the_store_and_stays_exact()
    {
        // A budget of 100 keys: the day saturates, and every later key is checked against the file (in one join for
        // the 1,500-key applies, in a literal list for the small one).
        using var store = DuckDbEventStore.Open(_dir.StoreFile, new DuckDbEventStoreOptions { MaxDedupKeys = 100 });
        Assert.Equal(new StoreApplyResult(1500, 0, 0), store.Apply(At(1, UniqueBatch(Project, 1, 1500))));
        Assert.Equal(new StoreApplyResult(0, 1500, 0), store.Apply(At(2, UniqueBatch(Project, 1, 1500)))); // the whole batch re-sent
        var mixed = UniqueBatch(Project, 3, 10);
        mixed.Events.AddRange(UniqueBatch(Project, 1, 5).Events); // five retries among ten new events
        mixed.Events.Add(mixed.Events[0]);                           // and one duplicate inside the batch
        Assert.Equal(new StoreApplyResult(10, 6, 0), store.Apply(At(3, mixed)));
        Assert.Equal(1510, store.CountEvents(Project));
        Assert.True(store.Dedup.KeyCount <= 100, $"{store.Dedup.KeyCount} keys held for a budget of 100");
    }

    [Fact]
    public void A_saturated_day_finds_retries_scattered_over_the_day()
    {
        // Live traffic plus stragglers hours apart: the store is asked about several separate time spans.
        using var store = DuckDbEventStore.Open(_dir.StoreFile, new DuckDbEventStoreOptions { MaxDedupKeys = 10 });
        var hours = new[] { 1, 5, 6, 20, 23 };
        var first = new IngestBatch();
        foreach (var h in hours)
        {
            for (var i = 0; i < 400; i++) first.Events.Add(Event(Project, "Page View", Day0Ms + h * 3_600_000L + i * 10L, $"h{h}-{i}", person: i % 7));
        }
        Assert.Equal(new StoreApplyResult(2000, 0, 0), store.Apply(At(1, first)));

        // One retry from each hour (literal list), then every event again beside new ones (a join).
        var retries = Batch([.. hours.Select(h => Event(Project, "Page View", Day0Ms + h * 3_600_000L + 70L, $"h{h}-7", person: 0))]);
        Assert.Equal(new StoreApplyResult(0, 5, 0), store.Apply(At(2, retries)));
        var again = new IngestBatch();
        again.Events.AddRange(first.Events);
        again.Events.Add(Event(Project, "Page View", Day0Ms + 3 * 3_600_000L, "new-1", person: 1));
        again.Events.Add(Event(Project, "Page View", Day0Ms + 1 * 3_600_000L + 5L, "new-2", person: 1)); // inside a stored span
        Assert.Equal(new StoreApplyResult(2, 2000, 0), store.Apply(At(3, again)));
        Assert.Equal(2002, store.CountEvents(Project));
    }

    [Fact]
    public void Apply_runs_on_one_duckdb_thread_and_gives_queries_their_threads_back()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var before = Setting(store, "threads");
        store.Apply(At(1, UniqueBatch(Project, 1, 10)));
        Assert.Equal(before, Setting(store, "threads"));
        Assert.Equal("0", Setting(store, "max_vacuum_tasks"));
        Assert.Throws<ArgumentException>(() => store.Apply(At(1, UniqueBatch(Project, 1, 10)))); // rejected before the switch
        store.FaultPoint = point => throw new IOException(point);
        Assert.Throws<IOException>(() => store.Apply(At(2, UniqueBatch(Project, 2, 10))));
        Assert.Equal(before, Setting(store, "threads"));
    }

    private static string Setting(DuckDbEventStore store, string name) =>
        Convert.ToString(store.Query($"SELECT current_setting('{name}')", []).Single()[0], CultureInfo.InvariantCulture)!;

    [Fact]
    public void Apply_then_reopen_keeps_applied_lsn_and_counts()
    {
        using (var store = DuckDbEventStore.Open(_dir.StoreFile))
        {
            var result = store.Apply([(1, UniqueBatch(Project, 1, 30)), (2, UniqueBatch(Project, 2, 20))]);
            Assert.Equal(new StoreApplyResult(50, 0, 0), result);
            store.Apply(At(5, UniqueBatch(Project, 5, 10)));
            Assert.Equal(5, store.AppliedLsn);
        }
        using (var reopened = DuckDbEventStore.Open(_dir.StoreFile))
        {
            Assert.Equal(5, reopened.AppliedLsn);
            Assert.Equal(60, reopened.CountEvents(Project));
            Assert.Equal(0, reopened.CountEvents(Project + 1));
        }
    }

    [Fact]
    public void Empty_batches_still_advance_the_applied_lsn()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var result = store.Apply([(3, new IngestBatch()), (4, new IngestBatch())]);
        Assert.Equal(default, result);
        Assert.Equal(4, store.AppliedLsn);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void Lsn_not_above_the_applied_one_or_out_of_order_is_rejected_without_writing(long badLsn)
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        store.Apply(At(2, UniqueBatch(Project, 2, 3)));
        Assert.Throws<ArgumentException>(() => store.Apply(At(badLsn, UniqueBatch(Project, 9, 3))));
        Assert.Throws<ArgumentException>(() => store.Apply([(5, UniqueBatch(Project, 5, 3)), (4, UniqueBatch(Project, 4, 3))]));
        Assert.Equal(2, store.AppliedLsn);
        Assert.Equal(3, store.CountEvents(Project));
    }

    [Fact]
    public void Duplicate_inside_one_batch_is_skipped()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var result = store.Apply(At(1, Batch(Event(Project), Event(Project), Event(Project, insertId: "i-2"))));
        Assert.Equal(new StoreApplyResult(2, 1, 0), result);
        Assert.Equal(2, store.CountEvents(Project));
    }

    [Fact]
    public void Duplicate_across_batches_and_calls_is_skipped()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var first = store.Apply([(1, Batch(Event(Project))), (2, Batch(Event(Project), Event(Project, insertId: "i-2")))]);
        var second = store.Apply(At(3, Batch(Event(Project, insertId: "i-2"), Event(Project, insertId: "i-3"))));
        Assert.Equal(new StoreApplyResult(2, 1, 0), first);
        Assert.Equal(new StoreApplyResult(1, 1, 0), second);
        Assert.Equal(3, store.CountEvents(Project));
    }

    [Fact]
    public void Duplicate_after_reopen_is_skipped_using_keys_loaded_from_the_file()
    {
        using (var store = DuckDbEventStore.Open(_dir.StoreFile))
        {
            store.Apply(At(1, Batch(Event(Project), Event(Project, timeMs: Day0Ms + 3 * DayMs))));
        }
        using var reopened = DuckDbEventStore.Open(_dir.StoreFile);
        var result = reopened.Apply(At(2, Batch(Event(Project), Event(Project, timeMs: Day0Ms + 3 * DayMs), Event(Project, insertId: "new"))));
        Assert.Equal(new StoreApplyResult(1, 2, 0), result);
        Assert.Equal(2, reopened.Dedup.Loads); // one load per (project, day) touched
        Assert.Equal(3, reopened.CountEvents(Project));
    }

    [Theory]
    [InlineData("time")]
    [InlineData("insert_id")]
    [InlineData("event")]
    [InlineData("distinct_id")]
    [InlineData("project")]
    public void Events_differing_in_one_key_part_are_not_duplicates(string part)
    {
        var original = Event(Project);
        var other = part switch
        {
            "time" => Event(Project, timeMs: Day0Ms + 1),
            "insert_id" => Event(Project, insertId: "i-other"),
            "event" => Event(Project, name: "Signup"),
            "distinct_id" => Event(Project, person: 2),
            _ => Event(Project + 100),
        };
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(new StoreApplyResult(1, 0, 0), store.Apply(At(1, Batch(original))));
        Assert.Equal(new StoreApplyResult(1, 0, 0), store.Apply(At(2, Batch(other))));
    }

    [Fact]
    public void Same_key_with_different_context_is_still_a_duplicate()
    {
        var first = Event(Project);
        var resent = Event(Project);
        resent.Country = "DE";
        resent.PropertiesJson = """{"plan":"pro"}""";
        resent.IngestedAtMs += 60_000;
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        store.Apply(At(1, Batch(first)));
        Assert.Equal(new StoreApplyResult(0, 1, 0), store.Apply(At(2, Batch(resent))));
    }

    [Fact]
    public void Failed_apply_commits_nothing_and_does_not_poison_the_dedup_index()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var bad = Event(Project, insertId: "bad");
        bad.IngestedAtMs = long.MaxValue; // not storable as a timestamp
        Assert.ThrowsAny<ArgumentException>(() => store.Apply(At(1, Batch(Event(Project), bad))));
        Assert.Equal(0, store.AppliedLsn);
        Assert.Equal(0, store.CountEvents(Project));

        // The retried batch (without the bad event) must not see its events as already stored.
        Assert.Equal(new StoreApplyResult(1, 0, 0), store.Apply(At(1, Batch(Event(Project)))));
        Assert.Equal(1, store.CountEvents(Project));
    }

    [Fact]
    public void Counts_per_day_honour_event_filter_and_inclusive_date_range()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var events = new List<StoredEvent>();
        for (var day = 0; day < 5; day++)
        {
            for (var i = 0; i <= day; i++)
            {
                // The last millisecond of each day stays on that day.
                events.Add(Event(Project, "Page View", Day0Ms + day * DayMs + DayMs - 1 - i, $"pv-{day}-{i}"));
            }
            events.Add(Event(Project, "Signup", Day0Ms + day * DayMs, $"su-{day}"));
        }
        events.Add(Event(Project + 1, "Page View", Day0Ms, "other-project"));
        store.Apply(At(1, Batch([.. events])));

        Assert.Equal(
            [new(Day0.AddDays(1), 3), new(Day0.AddDays(2), 4), new(Day0.AddDays(3), 5)],
            store.CountEventsPerDay(Project, Day0.AddDays(1), Day0.AddDays(3)));
        Assert.Equal(
            [new(Day0.AddDays(1), 2), new(Day0.AddDays(2), 3), new(Day0.AddDays(3), 4)],
            store.CountEventsPerDay(Project, Day0.AddDays(1), Day0.AddDays(3), "Page View"));
        Assert.Equal(
            Enumerable.Range(0, 5).Select(d => new DailyEventCount(Day0.AddDays(d), 1)),
            store.CountEventsPerDay(Project, Day0.AddDays(-10), Day0.AddDays(40), "Signup"));
        Assert.Empty(store.CountEventsPerDay(Project, Day0, Day0.AddDays(4), "No Such Event"));
        Assert.Empty(store.CountEventsPerDay(Project, Day0.AddDays(5), Day0.AddDays(9)));
        Assert.Equal([new DailyEventCount(Day0, 1)], store.CountEventsPerDay(Project + 1, DateOnly.MinValue, DateOnly.MaxValue));
    }

    [Fact]
    public void Every_column_is_stored_as_the_schema_says()
    {
        var e = Event(Project, "Purchase", timeMs: Day0Ms + 45_296_789, insertId: "abc-123", person: 9);
        e.DeviceId = Person(10);
        e.UserId = null;
        e.SessionId = Person(11);
        e.Country = "FR";
        e.Region = "IDF";
        e.City = "Paris";
        e.Browser = "Firefox";
        e.BrowserVersion = 133;
        e.Os = "Linux";
        e.OsVersion = null;
        e.DeviceType = "desktop";
        e.Lib = "web";
        e.LibVersion = "2.83.0";
        e.Url = "https://shop.example/cart";
        e.ReferrerHost = "search.example";
        e.Screen = "1280x720";
        e.PropertiesJson = """{"$plan":"pro","price":12.5}""";
        e.IngestedAtMs = Day0Ms + 45_300_001;

        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        store.Apply(At(1, Batch(e)));
        using var connection = store.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT project_id, event, strftime(time, '%Y-%m-%d %H:%M:%S.%g'), insert_id, dedup_key,
                   distinct_id::VARCHAR, device_id::VARCHAR, user_id::VARCHAR, session_id::VARCHAR,
                   country, region, city, browser, browser_version, os, os_version, device_type, lib, lib_version,
                   url, referrer_host, screen, json_extract_string(properties, '$."$plan"'),
                   CAST(json_extract(properties, '$.price') AS DOUBLE), strftime(ingested_at, '%Y-%m-%d %H:%M:%S.%g')
            FROM events
            """;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(Project, reader.GetInt32(0));
        Assert.Equal("Purchase", reader.GetString(1));
        Assert.Equal("2025-03-10 12:34:56.789", reader.GetString(2));
        Assert.Equal("abc-123", reader.GetString(3));
        Assert.NotEqual(0UL, reader.GetFieldValue<ulong>(4));
        Assert.Equal(Person(9).ToGuid().ToString(), reader.GetString(5));
        Assert.Equal(Person(10).ToGuid().ToString(), reader.GetString(6));
        Assert.True(reader.IsDBNull(7));
        Assert.Equal(Person(11).ToGuid().ToString(), reader.GetString(8));
        Assert.Equal(["FR", "IDF", "Paris", "Firefox"], [reader.GetString(9), reader.GetString(10), reader.GetString(11), reader.GetString(12)]);
        Assert.Equal(133, reader.GetInt32(13));
        Assert.Equal("Linux", reader.GetString(14));
        Assert.True(reader.IsDBNull(15));
        Assert.Equal(["desktop", "web", "2.83.0", "https://shop.example/cart", "search.example", "1280x720"],
            [reader.GetString(16), reader.GetString(17), reader.GetString(18), reader.GetString(19), reader.GetString(20), reader.GetString(21)]);
        Assert.Equal("pro", reader.GetString(22));
        Assert.Equal(12.5, reader.GetDouble(23));
        Assert.Equal("2025-03-10 12:35:00.001", reader.GetString(24));
        Assert.False(reader.Read());
    }

    [Fact]
    public void Profile_updates_are_stored_in_arrival_order()
    {
        var batch1 = new IngestBatch();
        batch1.ProfileUpdates.Add(Update("$set", """{"plan":"pro"}"""));
        batch1.ProfileUpdates.Add(Update("$unset", """["plan"]"""));
        var batch2 = new IngestBatch();
        var group = Update("$set_once", """{"size":10}""");
        group.Kind = ProfileKind.Group;
        group.GroupKey = "company";
        group.IgnoreTime = true;
        batch2.ProfileUpdates.Add(group);

        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(new StoreApplyResult(0, 0, 3), store.Apply([(1, batch1), (2, batch2)]));
        using var connection = store.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT project_id, kind, coalesce(group_key, '-'), subject::VARCHAR, operation, value::VARCHAR,
                   strftime(time, '%Y-%m-%d %H:%M:%S.%g'), ignore_time, lsn, seq
            FROM profile_updates ORDER BY lsn, seq
            """;
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(string.Join('|', values.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture))));
        }
        var subject = Person(3).ToGuid().ToString();
        Assert.Equal(
        [
            $"{Project}|0|-|{subject}|$set|{{\"plan\":\"pro\"}}|2025-03-10 00:00:00.250|False|1|0",
            $"{Project}|0|-|{subject}|$unset|[\"plan\"]|2025-03-10 00:00:00.250|False|1|1",
            $"{Project}|1|company|{subject}|$set_once|{{\"size\":10}}|2025-03-10 00:00:00.250|True|2|0",
        ], rows);

        static ProfileUpdate Update(string operation, string value) => new()
        {
            ProjectId = Project,
            Subject = Person(3),
            Operation = operation,
            ValueJson = value,
            TimeMs = Day0Ms + 250,
            IngestedAtMs = Day0Ms + 300,
        };
    }

    [Theory]
    [InlineData("not json {")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("")]
    [InlineData("{\"a\":")]
    public void Malformed_properties_are_kept_as_a_string_so_json_queries_still_work(string properties)
    {
        var bad = Event(Project, insertId: "bad");
        bad.PropertiesJson = properties;
        var good = Event(Project, insertId: "good");
        good.PropertiesJson = """{"plan":"pro"}""";
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        Assert.Equal(new StoreApplyResult(2, 0, 0), store.Apply(At(1, Batch(bad, good))));
        using var connection = store.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT json_extract_string(properties, '$."$veil_invalid_json"'), json_extract_string(properties, '$.plan')
            FROM events ORDER BY insert_id
            """;
        using var reader = command.ExecuteReader();
        Assert.True(reader.Read());
        Assert.Equal(properties, reader.GetString(0));
        Assert.True(reader.Read());
        Assert.Equal("pro", reader.GetString(1));
    }

    [Fact]
    public void The_checkpoint_threshold_option_reaches_duckdb()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile, new DuckDbEventStoreOptions { CheckpointThresholdBytes = 64L << 20 });
        using var connection = store.OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT current_setting('checkpoint_threshold')";
        Assert.Equal("64.0 MiB", command.ExecuteScalar());
    }

    [Fact]
    public void A_second_store_on_the_same_file_in_this_process_is_refused()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var e = Assert.Throws<StoreInUseException>(() => DuckDbEventStore.Open(_dir.StoreFile));
        Assert.Contains("already open", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_from_a_newer_schema_is_refused()
    {
        DuckDbEventStore.Open(_dir.StoreFile).Dispose();
        using (var connection = new DuckDBConnection($"Data Source={_dir.StoreFile}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE schema_version SET version = 999";
            command.ExecuteNonQuery();
        }
        var e = Assert.Throws<InvalidOperationException>(() => DuckDbEventStore.Open(_dir.StoreFile));
        Assert.Contains("999", e.Message, StringComparison.Ordinal);
        // The refused open released the file.
        Assert.Throws<InvalidOperationException>(() => DuckDbEventStore.Open(_dir.StoreFile));
    }

    [Fact]
    public void Events_before_1970_and_far_ahead_land_on_their_utc_days()
    {
        using var store = DuckDbEventStore.Open(_dir.StoreFile);
        var last = Event(Project, timeMs: 253_402_300_799_999, insertId: "b");
        last.IngestedAtMs = Day0Ms;
        store.Apply(At(1, Batch(Event(Project, timeMs: -1, insertId: "a"), last)));
        Assert.Equal(
            [new(new DateOnly(1969, 12, 31), 1), new(new DateOnly(9999, 12, 31), 1)],
            store.CountEventsPerDay(Project, DateOnly.MinValue, DateOnly.MaxValue));
        Assert.Equal(new StoreApplyResult(0, 2, 0), store.Apply(At(2, Batch(Event(Project, timeMs: -1, insertId: "a"), Event(Project, timeMs: 253_402_300_799_999, insertId: "b")))));
    }
}
