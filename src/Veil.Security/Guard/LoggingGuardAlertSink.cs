using Microsoft.Extensions.Logging;

namespace Veil.Security.Guard;

/// <summary>Writes alerts to the log at warning level.</summary>
public sealed class LoggingGuardAlertSink(ILogger logger) : IGuardAlertSink
{
    /// <inheritdoc />
    public void Raise(GuardAlert alert) =>
        logger.LogWarning("Exfiltration guard {Kind} for {Subject} {Id}: {Message}", alert.Kind, alert.Subject, alert.Id, alert.Message);
}
