namespace Veil.Load;

/// <summary>The ingestion wire formats the harness drives.</summary>
internal enum WireFormat
{
    /// <summary>POST /import?strict=1, JSON array, Basic auth with the project secret.</summary>
    Import,

    /// <summary>POST /track/?verbose=1&amp;ip=1, form body <c>data=</c> base64 JSON array, as mixpanel-browser batches.</summary>
    TrackBatch,

    /// <summary>GET /track?ip=0&amp;verbose=0&amp;data=, one base64 event in the URL, as the Node SDK's track().</summary>
    TrackGet,

    /// <summary>POST /import?strict=1 with an NDJSON body.</summary>
    Ndjson,

    /// <summary>POST /api/events, Bearer token, NDJSON body: Veil's own endpoint.</summary>
    Native,
}
