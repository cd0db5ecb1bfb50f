namespace Veil.Load;

/// <summary>One event as the baseline appends it, every value computed before timing starts.</summary>
internal sealed record BaselineRow(string Event, DateTime Time, string InsertId, string DistinctId, string PropertiesJson);
