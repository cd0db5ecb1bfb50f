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
    private readonly ConcurrentDictionary<(string Subject, string Id), DateTimeOffset> _lifted = new();

    /// <summary>Loads the stored suspensions from <paramref name="accounts"/>.</summary>
    public AccountSuspensionStore(IAccountStore accounts, TimeProvider? time = null)
    {
        _accounts = accounts;
        _time = time ?? TimeProvider.System;
        foreach (var s in accounts.ListSuspensions()) _suspended[(s.Subject, s.Id)] = 0;
        foreach (var (subject, id, at) in accounts.ListGuardResets()) _lifted[(subject, id)] = at;
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
        // The reset first: budgets rebuilt from the ledger after a restart must not count the reads before it.
        var at = _time.GetUtcNow();
        _accounts.PutGuardReset(Name(subject), id, at);
        _lifted[(Name(subject), id)] = at;
        _accounts.DeleteSuspension(Name(subject), id);
        _suspended.TryRemove((Name(subject), id), out _);
    }

    /// <inheritdoc />
    public DateTimeOffset? LastLifted(GuardSubject subject, string id) => _lifted.TryGetValue((Name(subject), id), out var at) ? at : null;

    /// <summary>Every current suspension, oldest first.</summary>
    public IReadOnlyList<SuspensionRecord> All => _accounts.ListSuspensions();
}
