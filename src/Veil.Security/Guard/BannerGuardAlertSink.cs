namespace Veil.Security.Guard;

/// <summary>Keeps alerts for the owners' dashboard banner until an owner dismisses them.</summary>
public sealed class BannerGuardAlertSink : IGuardAlertSink
{
    private readonly Lock _gate = new();
    private readonly List<GuardAlert> _active = [];

    /// <summary>Alerts not yet dismissed, oldest first.</summary>
    public IReadOnlyList<GuardAlert> Active
    {
        get
        {
            lock (_gate) return [.. _active];
        }
    }

    /// <inheritdoc />
    public void Raise(GuardAlert alert)
    {
        lock (_gate) _active.Add(alert);
    }

    /// <summary>Dismisses the banners about <paramref name="subject"/> <paramref name="id"/>.</summary>
    public void Dismiss(GuardSubject subject, string id)
    {
        lock (_gate) _active.RemoveAll(a => a.Subject == subject && a.Id == id);
    }
}
