using System.Globalization;
using Veil.Security.Ledger;

namespace Veil.Security.Guard;

/// <summary>
/// Per-credential and per-principal budgets on distinct persons exposed (per hour, per day) and rows returned (per hour).
/// Called before a read is served, with the persons and rows it would return: crossing a budget denies the read, suspends
/// the credential or principal until an owner re-enables it, and raises an alert. A principal's hour far above its own
/// history raises an alert even under budget. Thread-safe. Usage lives in memory and is rebuilt at start from the access
/// ledger's last day (<see cref="Restore"/>); suspensions go through <see cref="ISuspensionStore"/>.
/// </summary>
public sealed class ExfiltrationGuard
{
    private readonly GuardOptions _options;
    private readonly IGuardAlertSink _alerts;
    private readonly ISuspensionStore _suspensions;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Usage> _credentials = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Usage> _principals = new(StringComparer.Ordinal);

    /// <summary>A guard raising alerts to <paramref name="alerts"/>.</summary>
    public ExfiltrationGuard(GuardOptions options, IGuardAlertSink alerts, ISuspensionStore? suspensions = null, TimeProvider? time = null)
    {
        _options = options;
        _alerts = alerts;
        _suspensions = suspensions ?? new InMemorySuspensionStore(time);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>
    /// Decides one read by <paramref name="principal"/> with <paramref name="credential"/> that would expose
    /// <paramref name="subjects"/> and <paramref name="rows"/>. Allowed reads are charged to both budgets. Alerts carry
    /// <paramref name="project"/> so that project's owners see them.
    /// </summary>
    public GuardDecision Check(string principal, string credential, SubjectSet subjects, long rows, int? project = null)
    {
        var now = _time.GetUtcNow();
        if (_suspensions.IsSuspended(GuardSubject.Credential, credential)) return new GuardDecision(false, "This credential is suspended by the exfiltration guard until an owner re-enables it.");
        if (_suspensions.IsSuspended(GuardSubject.Principal, principal)) return new GuardDecision(false, "This account is suspended by the exfiltration guard until an owner re-enables it.");
        GuardAlert? spike = null;
        GuardAlert? exceeded = null;
        lock (_gate)
        {
            var byCredential = Get(_credentials, credential, now);
            var byPrincipal = Get(_principals, principal, now);
            byPrincipal.RollClockHour(now.UtcTicks / TimeSpan.TicksPerHour, _options.History);
            var over = Over(byCredential, _options.Credential, subjects.Values, rows);
            var subject = GuardSubject.Credential;
            var id = credential;
            if (over is null)
            {
                over = Over(byPrincipal, _options.Principal, subjects.Values, rows);
                subject = GuardSubject.Principal;
                id = principal;
            }
            if (over is not null)
            {
                exceeded = new GuardAlert(now, GuardAlertKind.BudgetExceeded, subject, id, over + " The read was denied and the " +
                    (subject == GuardSubject.Credential ? "credential" : "account") + " suspended until an owner re-enables it.", project);
            }
            else
            {
                byCredential.Charge(now, subjects.Values, rows);
                byPrincipal.Charge(now, subjects.Values, rows);
                spike = Spike(byPrincipal, principal, now, project);
            }
        }
        if (exceeded is not null)
        {
            _suspensions.Suspend(exceeded.Subject, exceeded.Id, exceeded.Message);
            _alerts.Raise(exceeded);
            return new GuardDecision(false, exceeded.Message);
        }
        if (spike is not null) _alerts.Raise(spike);
        return GuardDecision.Allow;
    }

    /// <summary>
    /// Charges reads already served (ledger entries, oldest first) to the budgets, so a restart does not hand every
    /// credential a fresh hour and day. Reads before an owner re-enabled a credential or principal are not counted for
    /// it. Raises no alerts and suspends nothing: these reads were allowed when they happened.
    /// </summary>
    public void Restore(IEnumerable<LedgerEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var now = _time.GetUtcNow();
        lock (_gate)
        {
            foreach (var entry in entries)
            {
                var r = entry.Record;
                if (entry.Time > now || (r.Subjects.Count == 0 && r.Rows == 0)) continue;
                if (!(_suspensions.LastLifted(GuardSubject.Credential, r.Credential) >= entry.Time))
                {
                    Get(_credentials, r.Credential, entry.Time).Charge(entry.Time, r.Subjects.Values, r.Rows);
                }
                if (!(_suspensions.LastLifted(GuardSubject.Principal, r.Principal) >= entry.Time))
                {
                    var usage = Get(_principals, r.Principal, entry.Time);
                    usage.RollClockHour(entry.Time.UtcTicks / TimeSpan.TicksPerHour, _options.History);
                    usage.Charge(entry.Time, r.Subjects.Values, r.Rows);
                }
            }
        }
    }

    /// <summary>Whether reads by this credential or principal are refused.</summary>
    public bool IsSuspended(GuardSubject subject, string id) => _suspensions.IsSuspended(subject, id);

    /// <summary>An owner lifts a suspension; the budget windows start afresh for it.</summary>
    public void Reenable(GuardSubject subject, string id)
    {
        _suspensions.Lift(subject, id);
        lock (_gate) (subject == GuardSubject.Credential ? _credentials : _principals).Remove(id);
    }

    private Usage Get(Dictionary<string, Usage> usages, string id, DateTimeOffset now)
    {
        if (!usages.TryGetValue(id, out var usage)) usages[id] = usage = new Usage();
        usage.Hour.Expire(now);
        usage.Day.Expire(now);
        return usage;
    }

    private static string? Over(Usage usage, Budget budget, IReadOnlyList<UInt128> subjects, long rows)
    {
        var c = CultureInfo.InvariantCulture;
        var hour = usage.Hour.Persons + usage.Hour.CountNew(subjects);
        if (hour > budget.PersonsPerHour) return string.Create(c, $"{hour:N0} distinct persons in the last hour would exceed the budget of {budget.PersonsPerHour:N0}.");
        var day = usage.Day.Persons + usage.Day.CountNew(subjects);
        if (day > budget.PersonsPerDay) return string.Create(c, $"{day:N0} distinct persons in the last 24 hours would exceed the budget of {budget.PersonsPerDay:N0}.");
        var hourRows = usage.Hour.Rows + rows;
        if (hourRows > budget.RowsPerHour) return string.Create(c, $"{hourRows:N0} rows in the last hour would exceed the budget of {budget.RowsPerHour:N0}.");
        return null;
    }

    private GuardAlert? Spike(Usage usage, string principal, DateTimeOffset now, int? project)
    {
        var hour = now.UtcTicks / TimeSpan.TicksPerHour;
        var current = usage.CurrentHourPersons;
        if (usage.SpikeAlertedHour == hour || current < _options.SpikeMinimumPersons || usage.HistoryHours < _options.SpikeMinimumHistoryHours) return null;
        var usual = usage.UsualBusyHour();
        if (current <= _options.SpikeFactor * Math.Max(usual, 1)) return null;
        usage.SpikeAlertedHour = hour;
        return new GuardAlert(now, GuardAlertKind.Spike, GuardSubject.Principal, principal, string.Create(CultureInfo.InvariantCulture,
            $"{current:N0} distinct persons read this hour, against a usual busy hour of {usual:N0} (over {usage.HistoryHours} active hours). Under budget: alert only."), project);
    }

    private sealed class Usage
    {
        public SlidingDistinctWindow Hour { get; } = new(TimeSpan.FromHours(1), 60);
        public SlidingDistinctWindow Day { get; } = new(TimeSpan.FromDays(1), 144);
        public long SpikeAlertedHour { get; set; } = -1;
        private readonly Queue<(long Hour, int Persons)> _history = new();
        private long _clockHour = -1;
        private HashSet<UInt128> _clockHourPersons = [];

        public int HistoryHours => _history.Count;

        public void Charge(DateTimeOffset now, IReadOnlyList<UInt128> subjects, long rows)
        {
            Hour.Add(now, subjects, rows);
            Day.Add(now, subjects, rows);
            foreach (var s in subjects) _clockHourPersons.Add(s);
        }

        /// <summary>Distinct persons in the current clock hour.</summary>
        public int CurrentHourPersons => _clockHourPersons.Count;

        /// <summary>Moves to clock hour <paramref name="hour"/>, rolling the finished hour into the history.</summary>
        public void RollClockHour(long hour, TimeSpan keep)
        {
            if (hour == _clockHour) return;
            if (_clockHour >= 0 && _clockHourPersons.Count > 0) _history.Enqueue((_clockHour, _clockHourPersons.Count));
            _clockHour = hour;
            _clockHourPersons = [];
            while (_history.Count > 0 && _history.Peek().Hour < hour - keep.Ticks / TimeSpan.TicksPerHour) _history.Dequeue();
        }

        /// <summary>The 90th percentile of persons per active hour in the history: the principal's usual busy hour.</summary>
        public int UsualBusyHour()
        {
            var counts = _history.Select(h => h.Persons).Order().ToArray();
            return counts.Length == 0 ? 0 : counts[(int)Math.Min(counts.Length - 1, Math.Ceiling(counts.Length * 0.9) - 1)];
        }
    }
}
