using Veil.Storage.Metadata;

namespace Veil.Security.Guard;

/// <summary>
/// Suspensions in the account store (a table in meta.db), so a credential or principal the guard stopped stays
/// stopped across restarts until an owner re-enables it.
/// </summary>
public sealed class AccountSuspensionStore(IAccountStore accounts, TimeProvider? time = null) : ISuspensionStore
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The stored name of a subject kind.</summary>
    public static string Name(GuardSubject subject) => subject == GuardSubject.Credential ? "credential" : "principal";

    /// <inheritdoc />
    public bool IsSuspended(GuardSubject subject, string id) => accounts.FindSuspension(Name(subject), id) is not null;

    /// <inheritdoc />
    public void Suspend(GuardSubject subject, string id, string reason) =>
        accounts.PutSuspension(new SuspensionRecord(Name(subject), id, reason, _time.GetUtcNow()));

    /// <inheritdoc />
    public void Lift(GuardSubject subject, string id) => accounts.DeleteSuspension(Name(subject), id);

    /// <summary>Every current suspension, oldest first.</summary>
    public IReadOnlyList<SuspensionRecord> All => accounts.ListSuspensions();
}
