namespace Veil.Query.Model;

/// <summary>One line of an insights report: an event (null = any event), its own filters, and a measure.</summary>
public sealed record InsightsSeries(string? Event, Measure Measure, IReadOnlyList<PropertyFilter> Filters);
