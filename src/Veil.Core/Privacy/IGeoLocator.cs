using System.Net;

namespace Veil.Core.Privacy;

/// <summary>Turns an IP address into a coarse <see cref="GeoLocation"/>; unknown or private addresses give an empty one.</summary>
public interface IGeoLocator
{
    GeoLocation Locate(IPAddress address);
}
