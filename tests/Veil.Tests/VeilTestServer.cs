using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Veil.Core.Privacy;
using Veil.Hosting;
using Veil.Ingestion;
using Veil.Storage;

namespace Veil.Tests;

/// <summary>
/// A real Veil server in this test process: real Kestrel on a free loopback port over HTTPS, real WAL, DuckDB and
/// SQLite files in a temp directory. Each test class gets its own.
/// </summary>
public sealed class VeilTestServer : IAsyncDisposable
{
    private VeilTestServer(VeilServer server, string root)
    {
        Server = server;
        Root = root;
    }

    public VeilServer Server { get; }
    public string Root { get; }
    public string DataDirectory => Server.Options.DataDirectory;
    public string BaseUrl => Server.Addresses.First().TrimEnd('/');
    public string CertificatePath => Server.CertificatePath!;

    public static async Task<VeilTestServer> StartAsync(long? maxUncheckpointedWalBytes = null, TimeProvider? time = null, int signInLimitPerMinute = 20, int mfaLimitPerMinute = 30, int ingestRequestsPerSecondPerToken = 10_000, Action<Microsoft.AspNetCore.Routing.IEndpointRouteBuilder>? mapTestEndpoints = null, Security.Guard.GuardOptions? guard = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "veil-it-" + Guid.NewGuid().ToString("N")[..12]);
        var options = new VeilServerOptions
        {
            DataDirectory = Path.Combine(root, "data"),
            MasterKey = MasterKey.Parse(MasterKey.GenerateText()),
            Urls = ["https://127.0.0.1:0"],
            CertificateDirectory = Path.Combine(root, "tls"),
            Quiet = true,
            MaxUncheckpointedWalBytes = maxUncheckpointedWalBytes ?? 512L * 1024 * 1024,
            GeoIpDirectory = GeoIpDirectory(),
            // Cheap Argon2id in tests only, so sign-in flows run in milliseconds; production uses OWASP's cost.
            PasswordCost = Security.Passwords.Argon2idCost.InsecureForTestsOnly,
            Time = time ?? TimeProvider.System,
            SignInLimitPerMinute = signInLimitPerMinute,
            MfaLimitPerMinute = mfaLimitPerMinute,
            IngestRequestsPerSecondPerToken = ingestRequestsPerSecondPerToken,
            MapTestEndpoints = mapTestEndpoints,
            Guard = guard ?? new Security.Guard.GuardOptions(),
        };
        return new VeilTestServer(await VeilServer.StartAsync(options), root);
    }

    /// <summary>The DB-IP databases test.sh installs ($VEIL_GEOIP_DIR), else tools/geoip's install location if present.</summary>
    public static string? GeoIpDirectory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("VEIL_GEOIP_DIR");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        var root = RepositoryRoot.Find();
        var candidate = root is null ? null : Path.Combine(root, "tools", "geoip", "node_modules", "@ip-location-db", "dbip-city-mmdb");
        return candidate is not null && Directory.Exists(candidate) ? candidate : null;
    }

    /// <summary>Creates a project; returns (id, token, secret).</summary>
    public (int Id, string Token, string Secret) CreateProject(string name = "test", string? token = null)
    {
        var (project, secret) = Server.Projects.Create(name, token);
        return (project.Id, project.Record.Token, secret);
    }

    /// <summary>Creates a scoped service account; returns its secret.</summary>
    public string CreateServiceAccount(int projectId, string username, params string[] scopes) =>
        Access.ServiceAccountIssuer.Create(Server.Accounts.Store, projectId, username, scopes, null, [], DateTimeOffset.UtcNow);

    /// <summary>An HttpClient that trusts exactly this server's certificate (and keeps cookies, like a browser).</summary>
    public HttpClient CreateClient(bool cookies = true)
    {
        var expected = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
        var handler = cookies ? new SocketsHttpHandler { CookieContainer = new System.Net.CookieContainer() } : new SocketsHttpHandler { UseCookies = false };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && expected.RawData.AsSpan().SequenceEqual(cert.GetRawCertData());
        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public IEventStore Store => Server.Services.GetRequiredService<IEventStore>();

    /// <summary>Waits until everything acknowledged so far is in the event store.</summary>
    public Task CaughtUpAsync() => Server.Services.GetRequiredService<StoreWriter>().WaitUntilCaughtUpAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);

    /// <summary>Stops this server and starts a new one on the same data directory and master key (a restart).</summary>
    public async Task<VeilTestServer> RestartAsync()
    {
        var options = Server.Options;
        await Server.DisposeAsync();
        return new VeilTestServer(await VeilServer.StartAsync(options), Root);
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
