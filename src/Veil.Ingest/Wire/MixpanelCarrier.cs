namespace Veil.Ingest.Wire;

/// <summary>How a Mixpanel request carried its JSON.</summary>
public enum MixpanelCarrier
{
    /// <summary>Nothing was decoded (request-level error before the payload was found).</summary>
    None,
    /// <summary><c>?data=</c> in the query string (Node SDK GETs).</summary>
    QueryData,
    /// <summary><c>data=</c> in a form body, whatever the Content-Type (browser XHR and sendBeacon, Node batches).</summary>
    FormData,
    /// <summary>A JSON object or array as the body.</summary>
    JsonBody,
    /// <summary>Newline-delimited JSON objects as the body.</summary>
    NdjsonBody,
}
