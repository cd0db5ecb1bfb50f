namespace Veil.Storage;

/// <summary>Number of events on one UTC day.</summary>
public readonly record struct DailyEventCount(DateOnly Day, long Count);
