using System.Net;

namespace Veil.Core.Privacy;

/// <summary>Facts about the HTTP request that carried events. Read by the pipeline, never stored.</summary>
public sealed class RequestContext
{
    /// <summary>The client's address as resolved by the host (trusted proxies applied), or null.</summary>
    public IPAddress? ClientAddress { get; init; }
    /// <summary>Whether the request asked for geolocation from its address (Mixpanel's <c>ip=1</c>).</summary>
    public bool GeolocateFromRequest { get; init; }
    /// <summary>The request's user agent, already reduced to families and major versions (fills what the SDK did not send).</summary>
    public CoarseDevice? Device { get; init; }
    /// <summary>Arrival time, milliseconds since the Unix epoch.</summary>
    public long NowMs { get; init; }
}
