using DuckDB.NET.Data;
using Veil.Core.Events;
using Veil.Storage.Dedup;

namespace Veil.Storage.DuckDb;

public sealed partial class DuckDbEventStore
{
    /// <inheritdoc />
    public StoreApplyResult Apply(IReadOnlyList<(long Lsn, IngestBatch Batch)> batches)
    {
        ArgumentNullException.ThrowIfNull(batches);
        using var apply = BeginApply();
        foreach (var (lsn, batch) in batches) apply.Add(lsn, batch);
        return apply.Commit();
    }

    /// <inheritdoc />
    /// <remarks>Holds the store's write lock until the apply is committed or disposed, on the calling thread.</remarks>
    public IStoreApply BeginApply()
    {
        _writeLock.Enter();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return new Session(this);
        }
        catch
        {
            _writeLock.Exit();
            throw;
        }
    }

    private void AppendEvent(DuckDBAppender appender, StoredEvent e, ulong key)
    {
        // Converted before the row starts so a bad value cannot leave a half-written row.
        var time = ToTimestamp(e.TimeMs);
        var ingestedAt = ToTimestamp(e.IngestedAtMs);
        // Column order is the table's (see DuckDbSchema).
        appender.CreateRow()
            .AppendValue((int?)e.ProjectId)
            .AppendValue(e.Name)
            .AppendValue((DateTime?)time)
            .AppendValue(e.InsertId)
            .AppendValue((ulong?)key)
            .AppendValue(ToGuid(e.DistinctId))
            .AppendValue(ToGuid(e.DeviceId))
            .AppendValue(ToGuid(e.UserId))
            .AppendValue(ToGuid(e.SessionId))
            .AppendValue(e.Country)
            .AppendValue(e.Region)
            .AppendValue(e.City)
            .AppendValue(e.Browser)
            .AppendValue(e.BrowserVersion)
            .AppendValue(e.Os)
            .AppendValue(e.OsVersion)
            .AppendValue(e.DeviceType)
            .AppendValue(e.Lib)
            .AppendValue(e.LibVersion)
            .AppendValue(e.Url)
            .AppendValue(e.ReferrerHost)
            .AppendValue(e.Screen)
            .AppendValue(JsonColumn.EnsureValidUtf8(e.PropertiesJson, ref _utf8))
            .AppendValue((DateTime?)ingestedAt)
            .EndRow();
    }

    /// <summary>
    /// One apply: a transaction on the writer connection, opened by the first batch, with the events appender open
    /// throughout, so each batch's events go into DuckDB's buffers as soon as they are checked and the decoded objects
    /// can be collected. Keys the dedup index is unsure of wait (with their events, a few at most) until
    /// <see cref="Commit"/> settles them in one query per day.
    /// </summary>
    private sealed class Session(DuckDbEventStore store) : IStoreApply
    {
        private readonly List<(long Lsn, List<ProfileUpdate> Updates)> _profileUpdates = [];
        private DuckDBTransaction? _transaction;
        private DuckDBAppender? _events;
        private long _lastLsn = store._appliedLsn;
        private long _stored;
        private long _duplicates;
        private bool _started;
        private bool _failed;
        private bool _ended;

        public void Add(long lsn, IngestBatch batch)
        {
            ArgumentNullException.ThrowIfNull(batch);
            ObjectDisposedException.ThrowIf(_ended, this);
            if (_failed) throw new InvalidOperationException("A batch of this apply failed; dispose it to roll back.");
            if (lsn <= _lastLsn)
            {
                throw new ArgumentException(
                    $"Batch LSN {lsn} is not above {_lastLsn}: batches must be in increasing LSN order and after the applied LSN {store._appliedLsn}.",
                    nameof(lsn));
            }
            try
            {
                var events = Start();
                _lastLsn = lsn;
                var graph = store._identities.Graph;
                foreach (var e in batch.Events)
                {
                    var key = DedupKey.Compute(e);
                    switch (store._dedup.Check(e.ProjectId, DedupKey.DayOf(e.TimeMs), key))
                    {
                        case DedupVerdict.New:
                            store.AppendEvent(events, e, key);
                            _stored++;
                            break;
                        case DedupVerdict.Duplicate:
                            _duplicates++;
                            break;
                        default:
                            store._unsure.Add((e, key));
                            break;
                    }
                    // A re-sent event asks for the same merge again, which changes nothing.
                    graph.Apply(e);
                }
                foreach (var update in batch.ProfileUpdates) store._profiles.Add(lsn, update, graph);
                if (batch.ProfileUpdates.Count > 0) _profileUpdates.Add((lsn, batch.ProfileUpdates));
            }
            catch
            {
                // Part of the batch may be in; only rolling back is safe.
                _failed = true;
                throw;
            }
        }

        public StoreApplyResult Commit()
        {
            ObjectDisposedException.ThrowIf(_ended, this);
            if (_failed) throw new InvalidOperationException("A batch of this apply failed; dispose it to roll back.");
            if (_transaction is null) return default;
            try
            {
                if (store._unsure.Count > 0) SettleUnsure();
                // Closing the appender writes its last rows into the transaction.
                _events!.Dispose();
                _events = null;
                store.FaultPoint?.Invoke("events-appended");
                var profileUpdates = AppendProfileUpdates();
                store._identities.Persist(_lastLsn, DateTime.UtcNow);
                store._profiles.Flush();
                store.SetAppliedLsn(_lastLsn);
                store.FaultPoint?.Invoke("before-commit");
                _transaction.Commit();
                _transaction.Dispose();
                _transaction = null;
                store._dedup.Commit();
                Volatile.Write(ref store._appliedLsn, _lastLsn);
                return new StoreApplyResult(_stored, _duplicates, profileUpdates);
            }
            catch
            {
                _failed = true;
                throw;
            }
        }

        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            try
            {
                if (_transaction is not null) RollBack();
            }
            finally
            {
                if (_started) store.RestoreThreads();
                store._unsure.Clear();
                store._writeLock.Exit();
            }
        }

        private DuckDBAppender Start()
        {
            if (_events is not null) return _events;
            _started = true;
            // DuckDB's worker threads do not speed up appends and commits of this size: the connection's own thread
            // spins waiting for their tasks, so one thread costs ~1.3 µs less CPU per event (and less wall time).
            // The setting is the database's, so queries running meanwhile get one thread too.
            DuckDbCommands.Execute(store._writer, "SET threads = 1");
            _transaction = store._writer.BeginTransaction();
            _events = store._writer.CreateAppender("events");
            return _events;
        }

        // Keys the dedup index may have seen: one query per (project, day) and time span finds which are stored; the
        // rest are new (false positives of the filter) unless this apply already took the same key.
        private void SettleUnsure()
        {
            foreach (var group in store._unsure.GroupBy(u => (u.Event.ProjectId, Day: DedupKey.DayOf(u.Event.TimeMs))))
            {
                var stored = store.StoredAmong(group.Key.ProjectId, group);
                foreach (var (e, key) in group)
                {
                    if (!stored.Contains(key) && store._dedup.AddUnsure(group.Key.ProjectId, group.Key.Day, key))
                    {
                        store.AppendEvent(_events!, e, key);
                        _stored++;
                    }
                    else
                    {
                        _duplicates++;
                    }
                }
            }
        }

        private long AppendProfileUpdates()
        {
            if (_profileUpdates.Count == 0) return 0;
            long count = 0;
            using var appender = store._writer.CreateAppender("profile_updates");
            foreach (var (lsn, updates) in _profileUpdates)
            {
                for (var seq = 0; seq < updates.Count; seq++)
                {
                    var u = updates[seq];
                    var time = ToTimestamp(u.TimeMs);
                    var ingestedAt = ToTimestamp(u.IngestedAtMs);
                    appender.CreateRow()
                        .AppendValue((int?)u.ProjectId)
                        .AppendValue((sbyte?)u.Kind)
                        .AppendValue(u.GroupKey)
                        .AppendValue((Guid?)u.Subject.ToGuid())
                        .AppendValue(u.Operation)
                        .AppendValue(JsonColumn.EnsureValid(u.ValueJson))
                        .AppendValue((DateTime?)time)
                        .AppendValue((bool?)u.IgnoreTime)
                        .AppendValue((DateTime?)ingestedAt)
                        // lsn and seq keep the arrival order, which profile operations depend on.
                        .AppendValue((long?)lsn)
                        .AppendValue((int?)seq)
                        .EndRow();
                    count++;
                }
            }
            return count;
        }

        // Nothing was committed: the keys just added to the index are not in the file, nor are the merges.
        private void RollBack()
        {
            try
            {
                try
                {
                    _events?.Dispose();
                }
                catch (DuckDBException)
                {
                    // Closing flushes rows into a transaction about to be rolled back; a broken connection may refuse.
                }
                try
                {
                    // A failed COMMIT has already ended the transaction (DuckDB rolled it back): nothing to undo.
                    _transaction!.Dispose();
                }
                catch (DuckDBException)
                {
                    // The connection is unusable; the next apply fails too and the host restarts from the file.
                }
            }
            finally
            {
                _events = null;
                _transaction = null;
                store._dedup.Abort();
                store._profiles.Discard();
                store.ReloadIdentitiesAfterFailure();
            }
        }
    }
}
