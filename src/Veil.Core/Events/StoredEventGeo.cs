using Veil.Core.Privacy;

namespace Veil.Core.Events;

/// <summary>Applies a coarse location to a stored event, honouring the project's city setting.</summary>
internal static class StoredEventGeo
{
    public static void Geo(this StoredEvent stored, GeoLocation location, bool allowCity)
    {
        stored.Country = location.Country;
        stored.Region = location.Region;
        stored.City = allowCity ? location.City : null;
    }
}
