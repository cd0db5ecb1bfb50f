using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Core.Identity;

/// <summary>
/// Who is who: the identity map as Mixpanel's ID merge builds it, held in memory and changed only by the store writer.
/// Every distinct id without a row is its own person; merged ids point at their person's canonical id. Merges follow
/// Mixpanel: simplified ID merge joins a device to the first user seen with it, and two users never merge that way;
/// <c>$identify</c> joins an anonymous id that is not yet someone else's; an alias points at one person only;
/// <c>$merge</c> joins any two. No person grows beyond <see cref="MaxIdsPerPerson"/> ids.
/// </summary>
/// <remarks>
/// Merges apply in the order Veil accepted them (WAL order), not event time, so a replay after a crash rebuilds the same
/// map. Changes collect until <see cref="TakeChanges"/>; a store that fails to persist them reloads the graph.
/// Not thread-safe: one writer.
/// </remarks>
public sealed class IdentityGraph
{
    /// <summary>Mixpanel's cluster limit: at most this many distinct ids resolve to one person.</summary>
    public const int MaxIdsPerPerson = 500;

    private readonly Dictionary<(int Project, Pseudonym Member), Pseudonym> _personOf = [];
    private readonly Dictionary<(int Project, Pseudonym Person), List<Pseudonym>> _members = [];
    private readonly Dictionary<(int Project, Pseudonym Member), Pseudonym?> _changes = [];

    /// <summary>Number of rows in the map.</summary>
    public int Count => _personOf.Count;

    /// <summary>Loads persisted rows (any order).</summary>
    public void Load(IEnumerable<IdentityRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        foreach (var row in rows)
        {
            if (row.Person is not { } person) continue;
            _personOf[(row.ProjectId, row.Member)] = person;
            if (row.Member != person) MembersOf(row.ProjectId, person, create: true)!.Add(row.Member);
        }
    }

    /// <summary>Forgets everything (before a reload).</summary>
    public void Clear()
    {
        _personOf.Clear();
        _members.Clear();
        _changes.Clear();
    }

    /// <summary>The person <paramref name="id"/> belongs to: its canonical id, or itself.</summary>
    public Pseudonym Resolve(int projectId, Pseudonym id) =>
        _personOf.TryGetValue((projectId, id), out var person) ? person : id;

    /// <summary>Every id of <paramref name="id"/>'s person, the canonical one first.</summary>
    public IReadOnlyList<Pseudonym> IdsOf(int projectId, Pseudonym id)
    {
        var person = Resolve(projectId, id);
        var result = new List<Pseudonym> { person };
        if (MembersOf(projectId, person, create: false) is { } members) result.AddRange(members);
        return result;
    }

    /// <summary>True when <paramref name="person"/> is an identified user (anonymous ids were merged into it).</summary>
    public bool IsIdentified(int projectId, Pseudonym person) =>
        _personOf.TryGetValue((projectId, person), out var self) && self == person;

    /// <summary>
    /// Applies the merges an event implies: a device id and a user id together (simplified ID merge, every event after
    /// identify), then those of a named identity event (<see cref="IdentityMerges.Of"/>).
    /// </summary>
    public void Apply(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (stored.DeviceId is { } device && stored.UserId is { } user && device != user)
            Apply(stored.ProjectId, new IdentityMerge(IdentityMergeKind.DeviceToUser, device, user));
        foreach (var merge in IdentityMerges.Of(stored)) Apply(stored.ProjectId, merge);
    }

    /// <summary>Applies one merge under Mixpanel's rules.</summary>
    public IdentityMergeOutcome Apply(int projectId, IdentityMerge merge)
    {
        var from = Resolve(projectId, merge.From);
        var to = Resolve(projectId, merge.To);
        if (from == to) return IdentityMergeOutcome.AlreadyMerged;
        switch (merge.Kind)
        {
            case IdentityMergeKind.DeviceToUser:
            case IdentityMergeKind.Identify:
                // The anonymous side must not be someone already: two users never merge through identify.
                if (IsIdentified(projectId, from)) return IdentityMergeOutcome.ConflictingUser;
                if (!FitsTogether(projectId, from, to)) return IdentityMergeOutcome.TooManyIds;
                Absorb(projectId, from, to);
                if (!IsIdentified(projectId, to)) MarkIdentified(projectId, to);
                return IdentityMergeOutcome.Merged;
            case IdentityMergeKind.Alias:
                // One target per alias: an id already merged anywhere (or with ids merged into it) cannot become an alias.
                if (_personOf.ContainsKey((projectId, merge.From)) || MembersOf(projectId, merge.From, create: false) is { Count: > 0 })
                    return IdentityMergeOutcome.AliasTaken;
                if (!FitsTogether(projectId, from, to)) return IdentityMergeOutcome.TooManyIds;
                Absorb(projectId, from, to);
                return IdentityMergeOutcome.Merged;
            case IdentityMergeKind.Merge:
                if (!FitsTogether(projectId, from, to)) return IdentityMergeOutcome.TooManyIds;
                // The identified side keeps its id as the person's; otherwise the second id named wins.
                if (IsIdentified(projectId, from) && !IsIdentified(projectId, to)) Absorb(projectId, to, from);
                else Absorb(projectId, from, to);
                return IdentityMergeOutcome.Merged;
            default:
                throw new ArgumentOutOfRangeException(nameof(merge), merge.Kind, "Unknown merge kind.");
        }
    }

    /// <summary>The rows changed since the last call (final state per member), for the store to persist.</summary>
    public IReadOnlyList<IdentityRow> TakeChanges()
    {
        var rows = new List<IdentityRow>(_changes.Count);
        foreach (var ((project, member), person) in _changes) rows.Add(new IdentityRow(project, member, person));
        _changes.Clear();
        return rows;
    }

    private bool FitsTogether(int projectId, Pseudonym a, Pseudonym b) =>
        Size(projectId, a) + Size(projectId, b) <= MaxIdsPerPerson;

    private int Size(int projectId, Pseudonym person) =>
        1 + (MembersOf(projectId, person, create: false)?.Count ?? 0);

    /// <summary>Moves <paramref name="from"/>'s person (itself and its members) into <paramref name="to"/>'s.</summary>
    private void Absorb(int projectId, Pseudonym from, Pseudonym to)
    {
        var wasIdentified = IsIdentified(projectId, from);
        var target = MembersOf(projectId, to, create: true)!;
        if (MembersOf(projectId, from, create: false) is { } moving)
        {
            foreach (var member in moving)
            {
                Set(projectId, member, to);
                target.Add(member);
            }
            _members.Remove((projectId, from));
        }
        Set(projectId, from, to);
        target.Add(from);
        if (wasIdentified && !IsIdentified(projectId, to)) MarkIdentified(projectId, to);
    }

    private void MarkIdentified(int projectId, Pseudonym person) => Set(projectId, person, person);

    private void Set(int projectId, Pseudonym member, Pseudonym person)
    {
        _personOf[(projectId, member)] = person;
        _changes[(projectId, member)] = person;
    }

    private List<Pseudonym>? MembersOf(int projectId, Pseudonym person, bool create)
    {
        if (_members.TryGetValue((projectId, person), out var list)) return list;
        if (!create) return null;
        list = [];
        _members[(projectId, person)] = list;
        return list;
    }
}
