using System.Text.Json;

namespace Veil.Core.Privacy;

/// <summary>A validated event as a wire adapter hands it to the privacy pipeline (still raw: may hold identifiers and PII).</summary>
/// <param name="Name">Event name.</param>
/// <param name="Properties">The event's properties object.</param>
/// <param name="TimeMs">Event time already resolved by the adapter, ms since epoch.</param>
/// <param name="InsertId">The client's <c>$insert_id</c>, or null to have one assigned.</param>
/// <param name="DistinctId">The raw distinct id, or null when the event has none.</param>
public readonly record struct EventInput(string Name, JsonElement Properties, long TimeMs, string? InsertId, string? DistinctId);
