namespace Veil.Security.Guard;

/// <summary>An alert for owners: log line, webhook payload and dashboard banner alike. Holds ids and counts, never PII.</summary>
public sealed record GuardAlert(DateTimeOffset Time, GuardAlertKind Kind, GuardSubject Subject, string Id, string Message);
