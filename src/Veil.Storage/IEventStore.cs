using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Storage;

/// <summary>
/// The event store behind the write-ahead log. One writer thread applies decoded WAL batches in LSN order;
/// queries may run concurrently from other threads.
/// </summary>
public interface IEventStore : IDisposable
{
    /// <summary>
    /// Highest WAL LSN whose batch is fully applied (0 if none). Persisted in the store in the same
    /// transaction as the data, so after a crash the host replays exactly the batches after it.
    /// </summary>
    long AppliedLsn { get; }

    /// <summary>
    /// Applies batches (in LSN order, all with LSN &gt; <see cref="AppliedLsn"/>) atomically: events deduplicated
    /// and appended, profile updates appended, <see cref="AppliedLsn"/> set to the last LSN.
    /// </summary>
    /// <returns>Counts of events stored, duplicates skipped and profile updates stored.</returns>
    /// <exception cref="ArgumentException">The LSNs are not increasing or not above <see cref="AppliedLsn"/>.</exception>
    StoreApplyResult Apply(IReadOnlyList<(long Lsn, IngestBatch Batch)> batches);

    /// <summary>
    /// Starts an apply that takes batches one at a time, with the same guarantees as <see cref="Apply"/>: the store writer
    /// feeds it straight from the WAL, so an apply of thousands of records never holds them all decoded. Other writes to
    /// the store wait until it is committed or disposed.
    /// </summary>
    IStoreApply BeginApply();

    /// <summary>
    /// Events per UTC day for a project, optionally of one event name, over the date range
    /// [<paramref name="from"/>, <paramref name="to"/>] inclusive. Days without events are left out; days ascend.
    /// </summary>
    IReadOnlyList<DailyEventCount> CountEventsPerDay(int projectId, DateOnly from, DateOnly to, string? eventName = null);

    /// <summary>Number of events stored for a project.</summary>
    long CountEvents(int projectId);

    /// <summary>
    /// Fingerprint risk after coarsening: each person's (device id, else distinct id) first stored device/geo combination
    /// (browser, major, OS, OS major, device type, screen bucket, country, region, city); returns how many persons there
    /// are and how many of them have a combination no one else has.
    /// </summary>
    (long Persons, long Unique) CountUniqueDeviceCombinations(int projectId);

    /// <summary>Every top-level free property name in a project's stored events, with how many events carry it.</summary>
    IReadOnlyList<PropertyUsage> DescribeProperties(int projectId);

    /// <summary>
    /// The person <paramref name="id"/> (a distinct id's pseudonym) resolves to through the identity map, with their
    /// merged ids and current profile; null when the store has neither events nor a profile nor a merge for them.
    /// </summary>
    PersonRecord? FindPerson(int projectId, Pseudonym id);

    /// <summary>
    /// A page of the events of a person's <paramref name="ids"/> (all of them, from <see cref="FindPerson"/>), newest first,
    /// strictly after <paramref name="after"/> in that order.
    /// </summary>
    IReadOnlyList<StoredEvent> ReadTimeline(int projectId, IReadOnlyList<Pseudonym> ids, TimelineCursor? after, int limit);

    /// <summary>A group's profile, or null when there is none.</summary>
    GroupProfileRecord? FindGroupProfile(int projectId, string groupKey, Pseudonym groupId);

    /// <summary>
    /// Replaces the stored members of a static cohort with the persons <paramref name="membersSql"/> selects (one UUID
    /// column, a query engine statement with its <paramref name="parameters"/>), in one transaction inside the store:
    /// members never leave it. A null <paramref name="membersSql"/> only removes the members.
    /// </summary>
    void ReplaceCohortMembers(int projectId, long cohortId, string? membersSql, IReadOnlyList<KeyValuePair<string, object?>> parameters);

    /// <summary>
    /// Runs a read-only, parameterised SQL query (the query engine's planners write it in this store's dialect) and
    /// streams its rows; values come back as CLR values with SQL NULL as null. Dispose the enumerator to release the connection.
    /// </summary>
    IEnumerable<object?[]> Query(string sql, IReadOnlyList<KeyValuePair<string, object?>> parameters, CancellationToken cancellationToken = default);
}
