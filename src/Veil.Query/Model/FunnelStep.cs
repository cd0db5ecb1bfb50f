namespace Veil.Query.Model;

/// <summary>One funnel step: an event and filters on it.</summary>
public sealed record FunnelStep(string Event, IReadOnlyList<PropertyFilter> Filters);
