namespace Veil.Privacy;

/// <summary>One thing Veil stores for a project: where, what it is, what the pipeline did to it, how often PII was caught in it.</summary>
public sealed record InventoryEntry(string Where, string Name, string Classification, string Treatment, long? Events, long PiiDetections);
