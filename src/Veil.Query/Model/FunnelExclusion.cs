namespace Veil.Query.Model;

/// <summary>
/// An exclusion: a person who does <see cref="Event"/> after reaching step <see cref="AfterStep"/> and before reaching
/// step <see cref="BeforeStep"/> (0-based, within the conversion window) leaves the funnel entirely.
/// </summary>
public sealed record FunnelExclusion(string Event, IReadOnlyList<PropertyFilter> Filters, int AfterStep, int BeforeStep);
