namespace Veil.Storage.Metadata;

/// <summary>A credential or principal the exfiltration guard suspended; it stays until an owner lifts it.</summary>
/// <param name="Subject">What is suspended: <c>credential</c> or <c>principal</c>.</param>
/// <param name="Id">The credential or principal id, e.g. <c>service-account:reader</c>, <c>person:12</c>.</param>
/// <param name="Reason">Why, as shown to owners.</param>
/// <param name="At">When it was suspended.</param>
public sealed record SuspensionRecord(string Subject, string Id, string Reason, DateTimeOffset At);
