using System.Net;

namespace Veil.Core.Privacy;

/// <summary>Used when no geo database is installed: every address is unknown (and still dropped).</summary>
public sealed class NoGeoLocator : IGeoLocator
{
    public static NoGeoLocator Instance { get; } = new();

    public GeoLocation Locate(IPAddress address) => GeoLocation.Unknown;
}
