using System.Collections.Concurrent;

namespace Veil.Security.Accounts;

/// <summary>
/// Consecutive failures per key (a normalised email, known or not, or a person's MFA): after N, a lockout that doubles
/// with each further failure. Unknown emails are throttled exactly like known ones, so throttling reveals nothing.
/// </summary>
public sealed class FailureThrottle(AccountOptions options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>How long <paramref name="key"/> must still wait, or null if it may try now.</summary>
    public TimeSpan? RetryAfter(string key)
    {
        if (!_entries.TryGetValue(key, out var entry) || entry.LockedUntil is not { } until) return null;
        var left = until - time.GetUtcNow();
        return left > TimeSpan.Zero ? left : null;
    }

    public void Fail(string key)
    {
        _entries.AddOrUpdate(key, _ => Next(new Entry(0, null)), (_, old) => Next(old));
        // Bound memory: an attacker spraying emails cannot grow this without limit.
        if (_entries.Count > 100_000) Prune();
    }

    public void Succeed(string key) => _entries.TryRemove(key, out _);

    private Entry Next(Entry old)
    {
        var failures = old.Failures + 1;
        if (failures < options.FailuresBeforeLockout) return new Entry(failures, null);
        var exponent = Math.Min(failures - options.FailuresBeforeLockout, 16);
        var lockout = TimeSpan.FromTicks(Math.Min(options.FirstLockout.Ticks << exponent, options.MaxLockout.Ticks));
        return new Entry(failures, time.GetUtcNow() + lockout);
    }

    private void Prune()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _entries)
        {
            if (entry.LockedUntil is null || entry.LockedUntil < now) _entries.TryRemove(key, out _);
        }
    }

    private sealed record Entry(int Failures, DateTimeOffset? LockedUntil);
}
