using System.Net;

namespace Veil.Ingest.Wire;

/// <summary>
/// The query (and form) parameters of a Mixpanel ingestion request that change how it is processed or answered.
/// <c>_</c> (cache buster), <c>redirect</c> and legacy <c>api_key</c> are read and ignored.
/// </summary>
public sealed record MixpanelRequestFlags
{
    /// <summary><c>verbose=1</c>: answer <c>{"status":…,"error":…}</c> instead of <c>1</c>/<c>0</c>.</summary>
    public bool Verbose { get; init; }

    /// <summary><c>strict=1</c>: validate every record and answer in the <c>/import</c> JSON shape.</summary>
    public bool Strict { get; init; }

    /// <summary>
    /// <c>ip=1</c>: geolocate from the request's address. When absent: true for <c>/engage</c> (Mixpanel's default),
    /// false elsewhere (both official SDKs always send it on <c>/track</c>).
    /// </summary>
    public bool Ip { get; init; }

    /// <summary>When <c>ip=</c> carried an address rather than 0/1: geolocate from that address.</summary>
    public IPAddress? IpOverride { get; init; }

    /// <summary><c>img=1</c>: answer with a 1x1 transparent GIF.</summary>
    public bool Img { get; init; }

    /// <summary><c>callback=</c>: answer as JSONP, <c>callback(…)</c>. Only JavaScript identifier paths are accepted.</summary>
    public string? Callback { get; init; }

    /// <summary><c>project_id=</c> (service-account <c>/import</c>).</summary>
    public long? ProjectId { get; init; }

    /// <summary><c>test=1</c>.</summary>
    public bool Test { get; init; }
}
