using System.Net;
using System.Net.Sockets;
using MaxMind.Db;
using Veil.Core.Privacy;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// Coarse IP geolocation from MaxMind-format databases with ip-location-db's flat records — the DB-IP Lite city or
/// country databases installed by <c>tools/geoip/install.sh</c> (CC BY 4.0: see <c>tools/geoip/ATTRIBUTION.md</c>).
/// Those come as one file per address family, and an IPv6 address looked up in an IPv4 file gets a wrong answer
/// rather than none, so each lookup goes to the file of its family. Files are memory-mapped; thread-safe.
/// </summary>
public sealed class MaxMindGeoLocator : IGeoLocator, IDisposable
{
    private readonly Reader _v4;
    private readonly Reader _v6;

    /// <summary>
    /// Opens the databases in <paramref name="directory"/>: a pair named <c>*-ipv4.mmdb</c> / <c>*-ipv6.mmdb</c>
    /// (city preferred over country when both are there), or else one combined IPv6 database covering both families.
    /// </summary>
    /// <exception cref="FileNotFoundException">No usable database pair in the directory.</exception>
    /// <exception cref="InvalidDatabaseException">A file is not a MaxMind database.</exception>
    public MaxMindGeoLocator(string directory)
    {
        var (v4Path, v6Path) = FindFiles(directory)
            ?? throw new FileNotFoundException($"no *-ipv4.mmdb/*-ipv6.mmdb pair or combined .mmdb database in {directory}");
        _v4 = new Reader(v4Path, FileAccessMode.MemoryMapped);
        try
        {
            _v6 = v6Path == v4Path ? _v4 : new Reader(v6Path, FileAccessMode.MemoryMapped);
            // A file built for IPv4 only would answer IPv6 lookups with nonsense; refuse it rather than mislocate.
            if (_v6.Metadata.IPVersion != 6)
                throw new InvalidDatabaseException($"{Path.GetFileName(v6Path)} is an IPv{_v6.Metadata.IPVersion} database; IPv6 lookups need an IPv6 one");
        }
        catch
        {
            _v4.Dispose();
            throw;
        }
        DatabaseType = _v4.Metadata.DatabaseType;
        BuildDate = _v4.Metadata.BuildDate;
    }

    /// <summary>The database's own type name, e.g. <c>city ipv4</c> or <c>country ipv4</c>.</summary>
    public string DatabaseType { get; }

    /// <summary>When the (IPv4) database was built; DB-IP Lite is refreshed monthly.</summary>
    public DateTime BuildDate { get; }

    /// <summary>Opens the databases in <paramref name="directory"/>, or returns null when it holds none.</summary>
    public static MaxMindGeoLocator? TryOpen(string? directory) =>
        directory is not null && FindFiles(directory) is not null ? new MaxMindGeoLocator(directory) : null;

    /// <inheritdoc />
    public GeoLocation Locate(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var target = IpAddressScope.PublicAddress(address);
        if (target is null) return GeoLocation.Unknown;
        var reader = target.AddressFamily == AddressFamily.InterNetwork ? _v4 : _v6;
        DbIpRecord? record;
        try
        {
            record = reader.Find<DbIpRecord>(target);
        }
        catch (InvalidDatabaseException)
        {
            // A damaged file must not turn an event into a 500; the event is kept without a location.
            return GeoLocation.Unknown;
        }
        if (record is null) return GeoLocation.Unknown;
        var country = NullIfEmpty(record.CountryCode);
        // "ZZ" is the databases' "unknown or reserved" country.
        if (country is null || country == "ZZ") return GeoLocation.Unknown;
        return new GeoLocation(country, NullIfEmpty(record.State1), NullIfEmpty(record.City));
    }

    public void Dispose()
    {
        _v4.Dispose();
        if (!ReferenceEquals(_v6, _v4)) _v6.Dispose();
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private static (string V4, string V6)? FindFiles(string directory)
    {
        if (!Directory.Exists(directory)) return null;
        var files = Directory.GetFiles(directory, "*.mmdb");
        // Ordinal sort so the choice does not depend on the file system's listing order.
        Array.Sort(files, StringComparer.Ordinal);
        foreach (var preferCity in new[] { true, false })
        {
            foreach (var v4 in files)
            {
                var name = Path.GetFileName(v4);
                if (!name.EndsWith("-ipv4.mmdb", StringComparison.OrdinalIgnoreCase)) continue;
                if (preferCity && !name.Contains("city", StringComparison.OrdinalIgnoreCase)) continue;
                var v6 = Path.Combine(directory, name[..^"-ipv4.mmdb".Length] + "-ipv6.mmdb");
                if (File.Exists(v6)) return (v4, v6);
            }
        }
        foreach (var combined in files)
        {
            var name = Path.GetFileName(combined);
            if (!name.EndsWith("-ipv4.mmdb", StringComparison.OrdinalIgnoreCase)
                && !name.EndsWith("-ipv6.mmdb", StringComparison.OrdinalIgnoreCase)) return (combined, combined);
        }
        return null;
    }
}
