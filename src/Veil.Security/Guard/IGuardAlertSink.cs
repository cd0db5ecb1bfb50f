namespace Veil.Security.Guard;

/// <summary>Where guard alerts go: a log, a webhook, the owners' banner. Must not throw or block for long.</summary>
public interface IGuardAlertSink
{
    /// <summary>Delivers one alert.</summary>
    void Raise(GuardAlert alert);
}
