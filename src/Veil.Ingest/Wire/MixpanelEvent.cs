using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>A Mixpanel event that passed validation, ready for the privacy pipeline.</summary>
public sealed record MixpanelEvent
{
    /// <summary>Position in the request, from 0.</summary>
    public required int Index { get; init; }

    /// <summary>The event name (<c>event</c>).</summary>
    public required string Name { get; init; }

    /// <summary>
    /// <c>properties.token</c>: the project token. Always set for <c>/track</c>; optional for <c>/import</c>, whose
    /// credentials name the project. Tokens may differ between events of one request.
    /// </summary>
    public string? Token { get; init; }

    /// <summary>The <c>properties</c> object (an empty object when <c>/track</c> sent none). Valid until the decode result is disposed.</summary>
    public required JsonElement Properties { get; init; }

    /// <summary>Event time in milliseconds since the epoch, after Mixpanel's rules (missing ⇒ arrival, future ⇒ arrival on <c>/track</c>).</summary>
    public required long TimeMs { get; init; }

    /// <summary>A valid <c>$insert_id</c>, or null when the host must assign one.</summary>
    public string? InsertId { get; init; }

    /// <summary><c>distinct_id</c> as text (numbers as their JSON text); null when absent on <c>/track</c>.</summary>
    public string? DistinctId { get; init; }

    /// <summary><c>properties.$ignore</c> is <c>true</c>: Mixpanel's reserved flag for an event to drop (it still counts as accepted).</summary>
    public bool Ignore { get; init; }
}
