using System.Net;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Veil.Core.Threading;

namespace Veil.Security.Ledger;

/// <summary>
/// A SQLite index of the ledger by credential, principal, client IP and time, for incident reports. It is derived data:
/// the log is authoritative, the index is caught up from it on open and can be deleted and rebuilt.
/// Writes happen on a dedicated background thread so they never add to a read's latency, and never hold a thread-pool
/// thread (on a small machine, a pool thread blocked in SQLite delays every request behind it).
/// </summary>
public sealed class LedgerIndex : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();
    private readonly Channel<IndexedEntry[]> _queue = Channel.CreateUnbounded<IndexedEntry[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _writer;
    private readonly ManualResetEventSlim _flushRequested = new(false, spinCount: 0);
    private Exception? _writerFault;

    private LedgerIndex(SqliteConnection connection)
    {
        _connection = connection;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "Veil ledger index" };
        _writer.Start();
    }

    /// <summary>
    /// Opens or creates the index at <paramref name="path"/>. The index is written without fsync (it is derived, and
    /// its fsyncs delayed the ledger's own: append p99 1.4–1.7 ms with them, 0.4–0.8 ms without). A process crash
    /// loses nothing then; an operating-system crash can leave the file damaged, so after every reboot (a new boot id
    /// since the index was last opened) it is checked first and, if damaged or unreadable, deleted to be rebuilt from
    /// the log by <see cref="CatchUp"/> / <see cref="CatchUpFromFile"/>.
    /// </summary>
    public static LedgerIndex Open(string path)
    {
        try
        {
            return new LedgerIndex(OpenConnection(path, BootId()));
        }
        catch (SqliteException)
        {
            DeleteFiles(path);
            return new LedgerIndex(OpenConnection(path, BootId()));
        }
    }

    /// <summary>This boot of the machine (Linux), or null where unknown.</summary>
    internal static Func<string?> BootId { get; set; } = () =>
        File.Exists("/proc/sys/kernel/random/boot_id") ? File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim() : null;

    private static SqliteConnection OpenConnection(string path, string? bootId)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);");
            var lastBoot = Scalar(connection, "SELECT value FROM meta WHERE key = 'boot_id'") as string;
            if (bootId is null || lastBoot != bootId)
            {
                if (Scalar(connection, "PRAGMA quick_check") as string != "ok")
                {
                    // Damaged: start an empty index (it records this boot), which the caller's catch-up refills from the log.
                    connection.Dispose();
                    DeleteFiles(path);
                    return OpenConnection(path, bootId);
                }
                // Durably, before anything is written unsynced in this boot: a crash of this boot is then noticed.
                Execute(connection, "PRAGMA synchronous=FULL");
                using var record = connection.CreateCommand();
                record.CommandText = "INSERT INTO meta (key, value) VALUES ('boot_id', $b) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
                record.Parameters.AddWithValue("$b", bootId ?? "");
                record.ExecuteNonQuery();
            }
            Execute(connection, """
                PRAGMA synchronous=OFF;
                CREATE TABLE IF NOT EXISTS access (
                    idx INTEGER PRIMARY KEY, locator INTEGER NOT NULL, size INTEGER NOT NULL, time INTEGER NOT NULL, principal TEXT NOT NULL, credential TEXT NOT NULL,
                    ip TEXT NOT NULL, project INTEGER, action TEXT NOT NULL, rows INTEGER NOT NULL, subjects INTEGER NOT NULL);
                CREATE INDEX IF NOT EXISTS access_credential ON access(credential, time);
                CREATE INDEX IF NOT EXISTS access_principal ON access(principal, time);
                CREATE INDEX IF NOT EXISTS access_ip ON access(ip, time);
                """);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    private static void DeleteFiles(string path)
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in new[] { path, path + "-wal", path + "-shm" }) File.Delete(file);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Entries indexed so far (the index covers [0, IndexedCount)).</summary>
    public long IndexedCount
    {
        get
        {
            lock (_gate)
            {
                using var command = _connection.CreateCommand();
                command.CommandText = "SELECT COALESCE(MAX(idx) + 1, 0) FROM access";
                return (long)command.ExecuteScalar()!;
            }
        }
    }

    /// <summary>Indexes every entry of <paramref name="store"/> not yet indexed (after a crash, or a deleted index).</summary>
    public void CatchUp(ILedgerStore store)
    {
        var from = IndexedCount;
        var total = store.Count;
        var batch = new List<IndexedEntry>(4096);
        for (var i = from; i < total; i++)
        {
            var record = store.Read(i);
            batch.Add(new IndexedEntry(LedgerEntryCodec.Decode(record.Entry), store.Locate(i), 4 + record.Entry.Length + MerkleHash.Size));
            if (batch.Count == batch.Capacity)
            {
                Add(batch);
                batch.Clear();
            }
        }
        Add(batch);
    }

    /// <summary>
    /// Indexes the entries of the ledger file at <paramref name="logPath"/> not yet indexed, reading only the file's tail
    /// (for commands on a data directory a server may be running on). Stops quietly at a torn or damaged record.
    /// </summary>
    public void CatchUpFromFile(string logPath)
    {
        long startIndex = 0, startOffset = 0;
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT idx, locator + size FROM access ORDER BY idx DESC LIMIT 1";
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                startIndex = reader.GetInt64(0) + 1;
                startOffset = reader.GetInt64(1);
            }
        }
        var batch = new List<IndexedEntry>(4096);
        foreach (var item in FileLedgerStore.ScanPath(logPath, startOffset, startIndex))
        {
            if (item.Record is not { } record) break;
            batch.Add(new IndexedEntry(LedgerEntryCodec.Decode(record.Entry), item.Offset, 4 + record.Entry.Length + MerkleHash.Size));
            if (batch.Count == batch.Capacity)
            {
                Add(batch);
                batch.Clear();
            }
        }
        Add(batch);
    }

    /// <summary>Forgets indexed entries at or beyond <paramref name="count"/>.</summary>
    public void TrimTo(long count)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM access WHERE idx >= $n";
            command.Parameters.AddWithValue("$n", count);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Queues entries for indexing in the background.</summary>
    public void Enqueue(IndexedEntry[] entries) => _queue.Writer.TryWrite(entries);

    /// <summary>Waits until every queued entry is indexed (tests, reports right after a write).</summary>
    public async Task FlushAsync()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _flushes.Enqueue(done);
        if (_queue.Writer.TryWrite([])) _flushRequested.Set();
        else done.TrySetResult();
        await done.Task;
    }

    private readonly System.Collections.Concurrent.ConcurrentQueue<TaskCompletionSource> _flushes = new();

    /// <summary>Indexes <paramref name="entries"/> now, in one transaction; already indexed ones are skipped.</summary>
    public void Add(IReadOnlyList<IndexedEntry> entries)
    {
        if (entries.Count == 0) return;
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = "INSERT OR IGNORE INTO access (idx, locator, size, time, principal, credential, ip, project, action, rows, subjects) VALUES ($i, $l, $z, $t, $p, $c, $ip, $pr, $a, $r, $s)";
            var i = command.Parameters.Add("$i", SqliteType.Integer);
            var l = command.Parameters.Add("$l", SqliteType.Integer);
            var z = command.Parameters.Add("$z", SqliteType.Integer);
            var t = command.Parameters.Add("$t", SqliteType.Integer);
            var p = command.Parameters.Add("$p", SqliteType.Text);
            var c = command.Parameters.Add("$c", SqliteType.Text);
            var ip = command.Parameters.Add("$ip", SqliteType.Text);
            var pr = command.Parameters.Add("$pr", SqliteType.Integer);
            var a = command.Parameters.Add("$a", SqliteType.Text);
            var r = command.Parameters.Add("$r", SqliteType.Integer);
            var s = command.Parameters.Add("$s", SqliteType.Integer);
            command.Prepare();
            foreach (var (e, locator, size) in entries)
            {
                i.Value = e.Index;
                l.Value = locator;
                z.Value = size;
                t.Value = e.Time.ToUnixTimeMilliseconds();
                p.Value = e.Record.Principal;
                c.Value = e.Record.Credential;
                ip.Value = e.Record.ClientIp.ToString();
                pr.Value = (object?)e.Record.Project ?? DBNull.Value;
                a.Value = e.Record.Action;
                r.Value = e.Record.Rows;
                s.Value = e.Record.Subjects.Count;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>The entries <paramref name="query"/> selects, ascending: index, storage locator and stored size.</summary>
    public List<(long Index, long Locator, long Size)> Find(IncidentQuery query)
    {
        query.Validate();
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            var where = new List<string>();
            if (query.Credential is not null)
            {
                where.Add("credential = $who");
                command.Parameters.AddWithValue("$who", query.Credential);
            }
            else if (query.Principal is not null)
            {
                where.Add("principal = $who");
                command.Parameters.AddWithValue("$who", query.Principal);
            }
            else
            {
                var ips = DistinctIps().Where(ip => IPAddress.TryParse(ip, out var a) && query.Network!.Value.Contains(a)).ToList();
                if (ips.Count == 0) return [];
                var names = new List<string>();
                for (var n = 0; n < ips.Count; n++)
                {
                    names.Add("$ip" + n);
                    command.Parameters.AddWithValue("$ip" + n, ips[n]);
                }
                where.Add($"ip IN ({string.Join(',', names)})");
            }
            if (query.From is { } from)
            {
                where.Add("time >= $from");
                command.Parameters.AddWithValue("$from", from.ToUnixTimeMilliseconds());
            }
            if (query.To is { } to)
            {
                where.Add("time < $to");
                command.Parameters.AddWithValue("$to", to.ToUnixTimeMilliseconds());
            }
            command.CommandText = $"SELECT idx, locator, size FROM access WHERE {string.Join(" AND ", where)} ORDER BY idx";
            var result = new List<(long, long, long)>();
            using var reader = command.ExecuteReader();
            while (reader.Read()) result.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            return result;
        }
    }

    private List<string> DistinctIps()
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT DISTINCT ip FROM access";
        var result = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) result.Add(reader.GetString(0));
        return result;
    }

    private void WriteLoop()
    {
        // Background work: on a two-core machine its SQLite inserts otherwise take the CPU from reads waiting to append.
        ThreadNice.SetCurrentThread(ThreadNice.Background);
        try
        {
            var batch = new List<IndexedEntry>();
            while (_queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                // Gather for a moment: one SQLite transaction per 50 ms instead of one per read (the index may lag; reports flush it).
                if (_flushes.IsEmpty) _flushRequested.Wait(50);
                _flushRequested.Reset();
                batch.Clear();
                while (_queue.Reader.TryRead(out var entries)) batch.AddRange(entries);
                try
                {
                    Add(batch);
                }
                catch (SqliteException)
                {
                    // The index is derived: a failed write is repaired by CatchUp on the next open.
                }
                while (_flushes.TryDequeue(out var flush)) flush.TrySetResult();
            }
        }
        catch (Exception e)
        {
            _writerFault = e; // rethrown by Dispose, as a faulted writer task was
        }
        finally
        {
            while (_flushes.TryDequeue(out var flush)) flush.TrySetResult();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _flushRequested.Set();
        _writer.Join();
        _connection.Dispose();
        if (_writerFault is { } fault) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(fault);
    }
}
