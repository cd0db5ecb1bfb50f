using MaxMind.Db;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// One record of the ip-location-db databases, which use a flat layout (<c>country_code</c>, <c>state1</c>,
/// <c>state2</c>, <c>city</c>, …) rather than GeoIP2's nested one. Only the coarse fields are decoded; the
/// coordinates and postcode are never read, so they cannot leak into an event.
/// </summary>
internal sealed class DbIpRecord
{
    [Constructor]
    public DbIpRecord(
        [MapKey("country_code")] string? countryCode = null,
        [MapKey("state1")] string? state1 = null,
        [MapKey("city")] string? city = null)
    {
        CountryCode = countryCode;
        State1 = state1;
        City = city;
    }

    public string? CountryCode { get; }

    /// <summary>First-level subdivision (US state, German Land, English country…): Veil's "region".</summary>
    public string? State1 { get; }

    public string? City { get; }
}
