namespace Veil.Ingest.Wire;

/// <summary>
/// Size and shape limits a wire adapter enforces before anything reaches the privacy pipeline. Defaults follow
/// Mixpanel's documented ingestion limits where it states one.
/// </summary>
public sealed record WireLimits
{
    /// <summary>The shared default limits.</summary>
    public static WireLimits Default { get; } = new();

    /// <summary>Largest body (or <c>data=</c> query value) accepted as received, i.e. compressed size. 413 beyond.</summary>
    public int MaxBodyBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>
    /// Largest payload after gzip/deflate/brotli and base64 decoding: the JSON text itself. Mixpanel documents
    /// 10 MB uncompressed for <c>/import</c>; the same cap applies to every endpoint and stops gzip bombs. 413 beyond.
    /// </summary>
    public int MaxDecodedBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Most events or profile updates in one request (Mixpanel: 2000). 400 beyond.</summary>
    public int MaxItems { get; init; } = 2000;

    /// <summary>Largest single event or profile update as JSON text (Mixpanel: 1 MB).</summary>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>Largest string property value in UTF-8 bytes. Longer values are rejected, never truncated.</summary>
    public int MaxPropertyValueBytes { get; init; } = 256 * 1024;

    /// <summary>Deepest JSON nesting anywhere in a request; guards the parser.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Most top-level properties on one event (Mixpanel: 255).</summary>
    public int MaxProperties { get; init; } = 255;

    /// <summary>Most keys in the object of one profile operation such as <c>$set</c> (Mixpanel: 2000 per profile).</summary>
    public int MaxProfileProperties { get; init; } = 2000;

    /// <summary>Most keys in a nested object value (Mixpanel: 255).</summary>
    public int MaxObjectKeys { get; init; } = 255;

    /// <summary>Deepest nesting of objects inside a property value; a property whose value is an object is level 1 (Mixpanel: 3).</summary>
    public int MaxObjectDepth { get; init; } = 3;

    /// <summary>Most items in a list value (Mixpanel: 255).</summary>
    public int MaxArrayItems { get; init; } = 255;

    /// <summary>Longest event name, property name, distinct id, token or group key, in UTF-8 bytes (Mixpanel: 255).</summary>
    public int MaxNameBytes { get; init; } = 255;
}
