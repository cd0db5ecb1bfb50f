namespace Veil.Security.Guard;

/// <summary>An alert for owners: log line, webhook payload and dashboard banner alike. Holds ids and counts, never PII.</summary>
/// <param name="Time">When it was raised.</param>
/// <param name="Kind">Budget exceeded or spike.</param>
/// <param name="Subject">Credential or principal.</param>
/// <param name="Id">The credential or principal id.</param>
/// <param name="Message">What happened, for owners.</param>
/// <param name="Project">The project of the read that raised it, if any: its owners see the alert.</param>
public sealed record GuardAlert(DateTimeOffset Time, GuardAlertKind Kind, GuardSubject Subject, string Id, string Message, int? Project = null);
