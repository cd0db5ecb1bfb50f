namespace Veil.Load;

/// <summary>A request built before timing starts: only the HttpRequestMessage wrapper is made while sending.</summary>
/// <param name="Uri">Full request address (for track-get it carries the event).</param>
/// <param name="Body">The body, or null for GET.</param>
/// <param name="Json">The events' JSON before any base64 (same array as <paramref name="Body"/> for JSON formats).</param>
/// <param name="InsertIdOffsets">Where each event's 16-character <c>$insert_id</c> value starts in <paramref name="Json"/>.</param>
/// <param name="FirstEvent">Index of the request's first event in the generated sequence.</param>
/// <param name="EventCount">How many events the request carries.</param>
internal sealed record PreparedRequest(Uri Uri, byte[]? Body, byte[] Json, int[] InsertIdOffsets, int FirstEvent, int EventCount);
