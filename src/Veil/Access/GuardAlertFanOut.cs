using Veil.Security.Guard;

namespace Veil.Access;

/// <summary>Sends each exfiltration-guard alert to every configured sink (log, owners' banner, webhook).</summary>
public sealed class GuardAlertFanOut(IReadOnlyList<IGuardAlertSink> sinks) : IGuardAlertSink
{
    /// <inheritdoc />
    public void Raise(GuardAlert alert)
    {
        foreach (var sink in sinks) sink.Raise(alert);
    }
}
