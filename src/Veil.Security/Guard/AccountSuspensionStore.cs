using System.Collections.Concurrent;
using Veil.Storage.Metadata;

namespace Veil.Security.Guard;

/// <summary>
/// Suspensions in the account store (a table in meta.db), so a credential or principal the guard stopped stays
/// stopped across restarts until an owner re-enables it. Every request asks, so the set is also kept in memory
/// (loaded at start; this process is the only writer).
/// </summary>
public sealed class AccountSuspensionStore : ISuspensionStore
{
    private readonly IAccountStore _accounts;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Subject, string Id), byte> _suspended = new();

    /// <summary>Loads the stored suspensions from <paramref name="accounts"/>.</summary>
    public AccountSuspensionStore(IAccountStore accounts, TimeProvider? time = null)
    {
        _accounts = accounts;
        _time = time ?? TimeProvider.System;
        foreach (var s in accounts.ListSuspensions()) _suspended[(s.Subject, s.Id)] = 0;
    }

    /// <summary>The stored name of a subject kind.</summary>
    public static string Name(GuardSubject subject) => subject == GuardSubject.Credential ? "credential" : "principal";

    /// <inheritdoc />
    public bool IsSuspended(GuardSubject subject, string id) => _suspended.ContainsKey((Name(subject), id));

    /// <inheritdoc />
    public void Suspend(GuardSubject subject, string id, string reason)
    {
        // Durable first: a suspension the process forgets on a crash would let the credential read again.
        _accounts.PutSuspension(new SuspensionRecord(Name(subject), id, reason, _time.GetUtcNow()));
        _suspended[(Name(subject), id)] = 0;
    }

    /// <inheritdoc />
    public void Lift(GuardSubject subject, string id)
    {
        _accounts.DeleteSuspension(Name(subject), id);
        _suspended.TryRemove((Name(subject), id), out _);
    }

    /// <summary>Every current suspension, oldest first.</summary>
    public IReadOnlyList<SuspensionRecord> All => _accounts.ListSuspensions();
}
