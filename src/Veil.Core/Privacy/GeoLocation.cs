namespace Veil.Core.Privacy;

/// <summary>Coarse location derived from an IP address. The address itself is never kept.</summary>
public readonly record struct GeoLocation(string? Country, string? Region, string? City)
{
    public static GeoLocation Unknown => default;
}
