using System.Collections.Concurrent;

namespace Veil.Security.Guard;

/// <summary>Suspensions in memory (lost on restart): the default until the accounts system persists them.</summary>
public sealed class InMemorySuspensionStore : ISuspensionStore
{
    private readonly ConcurrentDictionary<(GuardSubject, string), string> _suspended = new();
    private readonly ConcurrentDictionary<(GuardSubject, string), DateTimeOffset> _lifted = new();
    private readonly TimeProvider _time;

    /// <summary>An empty store; lifts are timed by <paramref name="time"/>.</summary>
    public InMemorySuspensionStore(TimeProvider? time = null) => _time = time ?? TimeProvider.System;

    /// <summary>Current suspensions with their reasons.</summary>
    public IReadOnlyDictionary<(GuardSubject Subject, string Id), string> All => _suspended;

    /// <inheritdoc />
    public bool IsSuspended(GuardSubject subject, string id) => _suspended.ContainsKey((subject, id));

    /// <inheritdoc />
    public void Suspend(GuardSubject subject, string id, string reason) => _suspended[(subject, id)] = reason;

    /// <inheritdoc />
    public void Lift(GuardSubject subject, string id)
    {
        _lifted[(subject, id)] = _time.GetUtcNow();
        _suspended.TryRemove((subject, id), out _);
    }

    /// <inheritdoc />
    public DateTimeOffset? LastLifted(GuardSubject subject, string id) => _lifted.TryGetValue((subject, id), out var at) ? at : null;
}
