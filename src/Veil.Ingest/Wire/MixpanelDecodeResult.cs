using System.Buffers;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// What <see cref="MixpanelWire.Decode"/> made of a request: either a request-level error (400/413 with a message a
/// developer can act on) or the parsed JSON split into items. Dispose it when done with the items: it owns the
/// <see cref="JsonDocument"/> and pooled buffers, and every <see cref="System.Text.Json.JsonElement"/> handed out
/// (items, event properties, profile values) is invalid afterwards.
/// </summary>
public sealed class MixpanelDecodeResult : IDisposable
{
    private byte[]? _rented;
    private int _disposed;

    internal MixpanelDecodeResult(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier, int statusCode, string message)
    {
        Endpoint = endpoint;
        Flags = flags;
        Carrier = carrier;
        StatusCode = statusCode;
        ErrorMessage = message;
        Items = [];
        ItemErrors = [];
    }

    internal MixpanelDecodeResult(
        MixpanelEndpoint endpoint,
        MixpanelRequestFlags flags,
        MixpanelCarrier carrier,
        JsonDocument document,
        byte[]? rented,
        IReadOnlyList<MixpanelWireItem> items,
        IReadOnlyList<ItemError> itemErrors)
    {
        Endpoint = endpoint;
        Flags = flags;
        Carrier = carrier;
        StatusCode = 200;
        Document = document;
        _rented = rented;
        Items = items;
        ItemErrors = itemErrors;
    }

    /// <summary>The endpoint the request was decoded for.</summary>
    public MixpanelEndpoint Endpoint { get; }

    /// <summary>Request parameters; parsed as far as possible even when decoding failed, to shape the reply.</summary>
    public MixpanelRequestFlags Flags { get; }

    /// <summary>How the JSON was carried (decides the reply shape of <c>/import</c>).</summary>
    public MixpanelCarrier Carrier { get; }

    /// <summary>True when the payload was decoded; items may still be invalid individually.</summary>
    public bool Succeeded => ErrorMessage is null;

    /// <summary>200 on success, else the HTTP status to answer: 400 (bad input) or 413 (too large).</summary>
    public int StatusCode { get; }

    /// <summary>Why the request was refused, or null.</summary>
    public string? ErrorMessage { get; }

    /// <summary>The parsed JSON; owned by this result.</summary>
    public JsonDocument? Document { get; }

    /// <summary>Items that parsed as JSON, in request order.</summary>
    public IReadOnlyList<MixpanelWireItem> Items { get; }

    /// <summary>Items that could not even be parsed (bad NDJSON lines); their indexes interleave with <see cref="Items"/>.</summary>
    public IReadOnlyList<ItemError> ItemErrors { get; }

    /// <summary>Number of items the request contained, parsed or not.</summary>
    public int ItemCount => Items.Count + ItemErrors.Count;

    /// <summary>Releases the document and pooled buffers.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        Document?.Dispose();
        if (_rented is not null) ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
    }
}
