using System.Collections.Concurrent;
using System.Globalization;
using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Storage.Dedup;

namespace Veil.Storage.DuckDb;

/// <summary>
/// The embedded event store: one DuckDB file, written by one writer through the appender, read concurrently
/// through short-lived connections to the same database instance.
/// </summary>
/// <remarks>
/// Each <see cref="Apply"/> runs in one explicit transaction: appender rows for events and profile updates
/// and the <c>wal_state</c> update commit together or not at all (the DuckDB appender writes into the
/// connection's open transaction), so after a crash <see cref="AppliedLsn"/> and the data agree.
/// </remarks>
public sealed partial class DuckDbEventStore : IEventStore
{
    // DuckDB.NET shares one database instance per file inside a process, so a second store on the same file
    // would not hit DuckDB's file lock; this registry refuses it instead.
    private static readonly ConcurrentDictionary<string, byte> OpenFiles = new(StringComparer.Ordinal);

    private readonly string _path;
    private readonly string _connectionString;
    private readonly DuckDBConnection _writer;
    private readonly DedupIndex _dedup;
    private readonly Lock _writeLock = new();
    // A second connection for the writer's reads during an apply (dedup loads and probes): it sees only committed rows,
    // whatever the apply's open transaction has appended so far, and leaves the writer's appender open.
    private readonly DuckDBConnection _lookups;
    private readonly List<(StoredEvent Event, ulong Key)> _unsure = [];
    private readonly DuckDbIdentityMap _identities;
    private readonly DuckDbProfiles _profiles;
    private readonly int _threads;
    private byte[] _utf8 = new byte[4096];
    private long _appliedLsn;
    private volatile bool _disposed;

    private DuckDbEventStore(string path, string connectionString, DuckDBConnection writer, DuckDbEventStoreOptions options)
    {
        _path = path;
        _connectionString = connectionString;
        _writer = writer;
        _lookups = new DuckDBConnection(connectionString);
        try
        {
            _lookups.Open();
            DuckDbCommands.Execute(_lookups, "CREATE TEMP TABLE IF NOT EXISTS dedup_probe (k UBIGINT NOT NULL)");
            _dedup = new DedupIndex(LoadDayKeys, options.MaxDedupDays, options.MaxDedupKeys,
                options.DedupKeysOnDisk ? KeyDirectory(path) : null, options.DedupBufferKeys);
            FaultPoint = options.CrashPoint;
            _appliedLsn = ReadAppliedLsn(writer);
            TouchedIds.Create(writer);
            _identities = new DuckDbIdentityMap(writer);
            _identities.Reload();
            _profiles = new DuckDbProfiles(writer);
            using var threads = DuckDbCommands.Create(writer, "SELECT current_setting('threads')");
            _threads = Convert.ToInt32(threads.ExecuteScalar(), CultureInfo.InvariantCulture);
        }
        catch
        {
            // Open disposes the writer; the lookup connection and the key directory are this constructor's to undo.
            _dedup?.Dispose();
            _lookups.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public long AppliedLsn => Volatile.Read(ref _appliedLsn);

    /// <summary>Test hook called at named points inside <see cref="Apply"/>, to simulate a crash there.</summary>
    internal Action<string>? FaultPoint { get; set; }

    /// <summary>The dedup index, exposed for tests.</summary>
    internal DedupIndex Dedup => _dedup;

    /// <summary>Opens (creating if missing) the store file at <paramref name="path"/> and brings its schema up to date.</summary>
    /// <exception cref="StoreInUseException">Another process, or another store in this process, holds the file.</exception>
    public static DuckDbEventStore Open(string path, DuckDbEventStoreOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new DuckDbEventStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.CheckpointThresholdBytes, 1L << 20, nameof(options));
        var fullPath = Path.GetFullPath(path);
        if (!OpenFiles.TryAdd(fullPath, 0))
        {
            throw new StoreInUseException($"The event store {fullPath} is already open in this process.");
        }
        DuckDBConnection? writer = null;
        try
        {
            if (Path.GetDirectoryName(fullPath) is { } directory) Directory.CreateDirectory(directory);
            var builder = new DuckDBConnectionStringBuilder { DataSource = fullPath };
            // Passed to DuckDB as a configuration option when it opens the file.
            builder["checkpoint_threshold"] = string.Create(CultureInfo.InvariantCulture, $"{options.CheckpointThresholdBytes}B");
            builder["memory_limit"] = string.Create(CultureInfo.InvariantCulture, $"{options.MemoryLimitBytes / (1024 * 1024)}MB");
            if (!options.VacuumOnCheckpoint) builder["max_vacuum_tasks"] = "0";
            var connectionString = builder.ConnectionString;
            writer = new DuckDBConnection(connectionString);
            try
            {
                writer.Open();
            }
            catch (DuckDBException e) when (e.Message.Contains("Could not set lock", StringComparison.OrdinalIgnoreCase))
            {
                throw new StoreInUseException(
                    $"The data directory is in use by another Veil process: cannot lock the event store {fullPath}. Stop the other process first.", e);
            }
            DuckDbSchema.Migrate(writer);
            return new DuckDbEventStore(fullPath, connectionString, writer, options);
        }
        catch
        {
            writer?.Dispose();
            OpenFiles.TryRemove(fullPath, out _);
            throw;
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<DailyEventCount> CountEventsPerDay(int projectId, DateOnly from, DateOnly to, string? eventName = null)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = eventName is null
            ? """
              SELECT CAST(time AS DATE) AS day, count(*) AS events FROM events
              WHERE project_id = $project AND time >= $from AND time < $to
              GROUP BY day ORDER BY day
              """
            : """
              SELECT CAST(time AS DATE) AS day, count(*) AS events FROM events
              WHERE project_id = $project AND time >= $from AND time < $to AND event = $event
              GROUP BY day ORDER BY day
              """;
        command.Parameters.Add(new DuckDBParameter("project", projectId));
        command.Parameters.Add(new DuckDBParameter("from", DayStart(from)));
        command.Parameters.Add(new DuckDBParameter("to", DayEnd(to)));
        if (eventName is not null) command.Parameters.Add(new DuckDBParameter("event", eventName));
        using var reader = command.ExecuteReader();
        var days = new List<DailyEventCount>();
        while (reader.Read())
        {
            days.Add(new DailyEventCount(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1)));
        }
        return days;
    }

    /// <inheritdoc />
    public long CountEvents(int projectId)
    {
        using var connection = OpenReader();
        using var command = DuckDbCommands.Create(connection, "SELECT count(*) FROM events WHERE project_id = $project", ("project", projectId));
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    public (long Persons, long Unique) CountUniqueDeviceCombinations(int projectId)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            WITH per_person AS (
                SELECT coalesce(device_id, distinct_id) AS person,
                       arg_min(concat_ws('|', coalesce(browser, ''), coalesce(CAST(browser_version AS VARCHAR), ''), coalesce(os, ''),
                                         coalesce(os_version, ''), coalesce(device_type, ''), coalesce(screen, ''), coalesce(country, ''),
                                         coalesce(region, ''), coalesce(city, '')), time) AS combination
                FROM events
                WHERE project_id = $project AND coalesce(device_id, distinct_id) IS NOT NULL
                GROUP BY person),
            sizes AS (SELECT combination, count(*) AS people FROM per_person GROUP BY combination)
            SELECT CAST(coalesce(sum(people), 0) AS BIGINT), CAST(coalesce(sum(people) FILTER (WHERE people = 1), 0) AS BIGINT) FROM sizes
            """;
        command.Parameters.Add(new DuckDBParameter("project", projectId));
        using var reader = command.ExecuteReader();
        reader.Read();
        return (Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture));
    }

    /// <inheritdoc />
    public IReadOnlyList<PropertyUsage> DescribeProperties(int projectId)
    {
        using var connection = OpenReader();
        using var command = DuckDbCommands.Create(connection, """
            SELECT name, count(*) AS events
            FROM (SELECT unnest(json_keys(properties)) AS name FROM events WHERE project_id = $project)
            GROUP BY name ORDER BY events DESC, name
            """, ("project", projectId));
        using var reader = command.ExecuteReader();
        var usage = new List<PropertyUsage>();
        while (reader.Read()) usage.Add(new PropertyUsage(reader.GetString(0), reader.GetInt64(1)));
        return usage;
    }

    /// <inheritdoc />
    public IEnumerable<object?[]> Query(string sql, IReadOnlyList<KeyValuePair<string, object?>> parameters, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sql);
        ArgumentNullException.ThrowIfNull(parameters);
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.Add(new DuckDBParameter(name, value));
        cancellationToken.ThrowIfCancellationRequested();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            yield return row;
        }
    }

    /// <summary>Closes the writer connection; DuckDB checkpoints when the last connection to the file closes.</summary>
    public void Dispose()
    {
        lock (_writeLock)
        {
            if (_disposed) return;
            _disposed = true;
            _dedup.Dispose();
            _lookups.Dispose();
            _writer.Dispose();
            OpenFiles.TryRemove(_path, out _);
        }
    }

    /// <summary>A new connection to this store's database for reading; the caller disposes it.</summary>
    internal DuckDBConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var connection = new DuckDBConnection(_connectionString);
        connection.Open();
        return connection;
    }

    // Which of the probed keys are stored for the project. A key includes its event's time, so a stored match has
    // exactly that time: only the rows in the probes' time spans are read (DuckDB skips row groups outside them by
    // their min/max), which for live traffic is the last few row groups, not the whole day (a saturated day sends
    // every key of every apply here). A few keys go in a literal list (numbers written by this code, so that is safe);
    // many through a temporary table and a join.
    private HashSet<ulong> StoredAmong(int projectId, IEnumerable<(StoredEvent Event, ulong Key)> probes)
    {
        const int MaxLiteralKeys = 1000;
        var keys = probes.Select(p => p.Key).Distinct().ToList();
        var spans = TimeSpans(probes.Select(p => p.Event.TimeMs));
        var stored = new HashSet<ulong>();
        string sql;
        if (keys.Count <= MaxLiteralKeys)
        {
            sql = "SELECT dedup_key FROM events WHERE project_id = $project AND time >= $from AND time <= $to AND dedup_key IN ("
                + string.Join(",", keys.Select(k => k.ToString(CultureInfo.InvariantCulture))) + ")";
        }
        else
        {
            DuckDbCommands.Execute(_lookups, "DELETE FROM dedup_probe");
            using (var appender = _lookups.CreateAppender("temp", "main", "dedup_probe"))
            {
                foreach (var key in keys) appender.CreateRow().AppendValue((ulong?)key).EndRow();
            }
            sql = "SELECT e.dedup_key FROM events e JOIN dedup_probe p ON p.k = e.dedup_key WHERE e.project_id = $project AND e.time >= $from AND e.time <= $to";
        }
        foreach (var (from, to) in spans)
        {
            using var command = DuckDbCommands.Create(_lookups, sql, ("project", projectId), ("from", ToTimestamp(from)), ("to", ToTimestamp(to)));
            using var reader = command.ExecuteReader();
            while (reader.Read()) stored.Add(reader.GetFieldValue<ulong>(0));
        }
        return stored;
    }

    /// <summary>
    /// Covers <paramref name="timesMs"/> with at most <paramref name="maxSpans"/> closed spans, leaving out the widest
    /// gaps longer than <paramref name="minGapMs"/> (so one late straggler does not stretch a query over the whole day;
    /// shorter gaps are not worth a query of their own, as a row group holds seconds of live traffic).
    /// </summary>
    internal static List<(long From, long To)> TimeSpans(IEnumerable<long> timesMs, int maxSpans = 8, long minGapMs = 60_000)
    {
        var times = timesMs.Distinct().Order().ToArray();
        if (times.Length == 0) return [];
        // The maxSpans - 1 widest gaps split the sorted times; ties keep the earlier gap.
        var cuts = Enumerable.Range(1, times.Length - 1)
            .Where(i => times[i] - times[i - 1] > minGapMs)
            .OrderByDescending(i => times[i] - times[i - 1]).ThenBy(i => i)
            .Take(maxSpans - 1).Order().ToList();
        var spans = new List<(long, long)>(cuts.Count + 1);
        var start = 0;
        foreach (var cut in cuts)
        {
            spans.Add((times[start], times[cut - 1]));
            start = cut;
        }
        spans.Add((times[start], times[^1]));
        return spans;
    }

    private void ReloadIdentitiesAfterFailure()
    {
        try
        {
            _identities.Reload();
        }
        catch (DuckDBException)
        {
            // The connection is unusable; the next Apply fails too and the host restarts from the file.
        }
    }

    private void RestoreThreads()
    {
        try
        {
            DuckDbCommands.Execute(_writer, string.Create(CultureInfo.InvariantCulture, $"SET threads = {_threads}"));
        }
        catch (DuckDBException)
        {
            // Queries run on one thread until the next apply restores it; not worth failing an apply over.
        }
    }

    private void SetAppliedLsn(long lsn)
    {
        using var command = DuckDbCommands.Create(_writer, "UPDATE wal_state SET applied_lsn = $lsn", ("lsn", lsn));
        command.ExecuteNonQuery();
    }

    private static long ReadAppliedLsn(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT applied_lsn FROM wal_state";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Where the dedup index keeps each day's exact key set: beside the store file, as derived data the store empties
    /// when it opens (only the process holding the store's lock touches it).
    /// </summary>
    internal static string KeyDirectory(string storePath) => storePath + ".dedup";

    // The day's committed keys: the lookup connection does not see the rows of the apply in progress (its keys are pending).
    private IEnumerable<ulong> LoadDayKeys(int projectId, DateOnly day)
    {
        using var command = DuckDbCommands.Create(_lookups, "SELECT dedup_key FROM events WHERE project_id = $project AND time >= $from AND time < $to",
            ("project", projectId), ("from", DayStart(day)), ("to", DayEnd(day)));
        using var reader = command.ExecuteReader();
        while (reader.Read()) yield return reader.GetFieldValue<ulong>(0);
    }

    private static DateTime ToTimestamp(long unixMs)
    {
        if (unixMs < -DateTime.UnixEpoch.Ticks / TimeSpan.TicksPerMillisecond
            || unixMs > (DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMillisecond)
        {
            throw new ArgumentOutOfRangeException(nameof(unixMs), unixMs, "Time is outside years 1–9999 and cannot be stored.");
        }
        return DateTime.UnixEpoch.AddTicks(unixMs * TimeSpan.TicksPerMillisecond);
    }

    private static Guid? ToGuid(Pseudonym? pseudonym) => pseudonym?.ToGuid();

    private static DateTime DayStart(DateOnly day) => day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);

    // Exclusive end of a day; the last representable instant for the last day.
    private static DateTime DayEnd(DateOnly day) =>
        day == DateOnly.MaxValue ? DateTime.MaxValue : day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
