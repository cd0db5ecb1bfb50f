namespace Veil.Query.Results;

/// <summary>A date range resolved in a time zone: local days [<see cref="FirstDay"/>, <see cref="LastDay"/>] and the UTC instants [<see cref="FromUtc"/>, <see cref="ToUtc"/>).</summary>
public sealed record ResolvedRange(string TimeZoneId, TimeZoneInfo Zone, DateOnly FirstDay, DateOnly LastDay, DateTime FromUtc, DateTime ToUtc);
