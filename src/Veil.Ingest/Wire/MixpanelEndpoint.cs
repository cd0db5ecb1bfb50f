namespace Veil.Ingest.Wire;

/// <summary>The Mixpanel ingestion endpoint a request was sent to.</summary>
public enum MixpanelEndpoint
{
    /// <summary><c>/track</c>: events from client SDKs, authenticated by <c>properties.token</c>.</summary>
    Track,
    /// <summary><c>/import</c>: historical events from servers, authenticated by credentials.</summary>
    Import,
    /// <summary><c>/engage</c>: user profile updates.</summary>
    Engage,
    /// <summary><c>/groups</c>: group profile updates.</summary>
    Groups,
}
