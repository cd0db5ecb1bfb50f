using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.HttpOverrides;
using Veil.Access;
using Veil.Core.Privacy;
using Veil.Endpoints;
using Veil.Ingest.Enrichment;
using Veil.Ingest.Wal;
using Veil.Ingestion;
using Veil.Projects;
using Veil.Security.Guard;
using Veil.Security.Ledger;
using Veil.Storage;
using Veil.Storage.DuckDb;
using Veil.Storage.Metadata;
using Veil.Storage.Sqlite;

namespace Veil.Hosting;

/// <summary>A running Veil server: Kestrel, the WAL, the store writer and the stores, wired together.</summary>
public sealed class VeilServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private VeilServer(WebApplication app, VeilServerOptions options, string? certificatePath, string? certificateFingerprint, InitialOwner? initialOwner)
    {
        _app = app;
        InitialOwner = initialOwner;
        Options = options;
        CertificatePath = certificatePath;
        CertificateFingerprint = certificateFingerprint;
    }

    public VeilServerOptions Options { get; }
    public string? CertificatePath { get; }
    public string? CertificateFingerprint { get; }
    public IServiceProvider Services => _app.Services;

    /// <summary>The addresses Kestrel actually listens on (ports resolved when 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses =>
        _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    public ProjectDirectory Projects => _app.Services.GetRequiredService<ProjectDirectory>();

    /// <summary>The owner created on this start (empty data directory), with the one-time password; null on later starts.</summary>
    public InitialOwner? InitialOwner { get; }

    public Security.Accounts.AccountService Accounts => _app.Services.GetRequiredService<Security.Accounts.AccountService>();

    /// <summary>Opens the stores, recovers the WAL, and starts listening.</summary>
    public static async Task<VeilServer> StartAsync(VeilServerOptions options, CancellationToken cancellationToken = default)
    {
        foreach (var url in options.Urls)
        {
            if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !options.AllowHttp)
            {
                throw new StartupException($"{url} is plain HTTP. Veil serves HTTPS by default; pass --http only when a TLS-terminating proxy sits in front.");
            }
        }
        if (options.StoreMemoryMiB < 64)
        {
            throw new StartupException($"--store-memory-mb {options.StoreMemoryMiB} is too small; give the event store at least 64 MiB.");
        }
        var crash = CrashPoints.FromEnvironment();
        if (options.KThreshold < Security.Access.AccessRules.MinimumKThreshold)
        {
            throw new StartupException($"--k-threshold {options.KThreshold} is below {Security.Access.AccessRules.MinimumKThreshold}; it can only be raised.");
        }
        if (options.PublicUrl is { } publicUrl && (!Uri.TryCreate(publicUrl, UriKind.Absolute, out var parsedUrl) || parsedUrl.Scheme is not ("https" or "http") || parsedUrl.AbsolutePath != "/"))
        {
            throw new StartupException($"--public-url {publicUrl} must be an absolute URL with no path, e.g. https://veil.example.com.");
        }
        Directory.CreateDirectory(options.DataDirectory);
        if (!options.Urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) && options.Urls.Count == 0)
        {
            throw new StartupException("No listen address: pass --urls https://127.0.0.1:8443.");
        }

        X509Certificate2? certificate = null;
        string? certificatePath = null;
        if (options.Urls.Any(u => u.StartsWith("https://", StringComparison.OrdinalIgnoreCase)))
        {
            if (MasterKeySource.IsInside(options.CertificateDirectory, options.DataDirectory))
            {
                throw new StartupException("The certificate directory is inside the data directory; keep the TLS key elsewhere (--cert-dir).");
            }
            (certificate, certificatePath, _) = TlsCertificates.Load(options.CertificatePath, options.CertificateKeyPath, options.CertificateDirectory);
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        });
        builder.Logging.SetMinimumLevel(options.Quiet ? LogLevel.Warning : LogLevel.Information);
        // Request logs carry URLs, and the Node SDK puts whole events (base64) in GET query strings: never log them.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            // Single events arrive as GET URLs with base64 JSON, longer than Kestrel's 8 KB default request line.
            kestrel.Limits.MaxRequestLineSize = 2 * 1024 * 1024;
            kestrel.Limits.MaxRequestHeadersTotalSize = 2 * 1024 * 1024 + 64 * 1024;
            kestrel.Limits.MaxRequestBufferSize = 4 * 1024 * 1024;
            // Body limits are enforced by the handlers, which answer 413 with Mixpanel's reason.
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(10));
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            foreach (var url in options.Urls)
            {
                var uri = new Uri(url);
                var https = uri.Scheme == Uri.UriSchemeHttps;
                void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions listen)
                {
                    if (https) listen.UseHttps(certificate!);
                }
                if (uri.Host is "localhost") kestrel.ListenLocalhost(uri.Port, Configure);
                else if (uri.Host is "*" or "+" or "0.0.0.0") kestrel.ListenAnyIP(uri.Port, Configure);
                else if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address)) kestrel.Listen(address, uri.Port, Configure);
                else throw new StartupException($"Cannot listen on {url}: use an IP address, localhost or 0.0.0.0.");
            }
        });

        var metadata = SqliteMetadataStore.Open(VeilPaths.MetadataFile(options.DataDirectory));
        var piiHits = new Core.Privacy.Pii.PiiHitCounter();
        ProjectDirectory projects;
        try
        {
            projects = new ProjectDirectory(metadata, options.MasterKey, piiHits);
        }
        catch
        {
            metadata.Dispose();
            throw;
        }
        var accountStore = SqliteAccountStore.Open(VeilPaths.MetadataFile(options.DataDirectory));
        var accounts = new Security.Accounts.AccountService(accountStore, options.MasterKey, new Security.Accounts.AccountOptions { PasswordCost = options.PasswordCost }, options.Time);
        var initialOwner = FirstRunOwner.Ensure(accounts, projects, options.InitialOwnerEmail);
        IEventStore store;
        WriteAheadLog wal;
        try
        {
            store = DuckDbEventStore.Open(VeilPaths.EventsFile(options.DataDirectory), new DuckDbEventStoreOptions
            {
                MemoryLimitBytes = options.StoreMemoryMiB * 1024L * 1024,
                MaxDedupKeys = options.MaxDedupKeys,
                CrashPoint = crash.Hook,
            });
        }
        catch (StoreInUseException e)
        {
            accountStore.Dispose();
            metadata.Dispose();
            throw new StartupException(e.Message);
        }
        try
        {
            wal = WriteAheadLog.Open(new WalOptions
            {
                Directory = VeilPaths.WalDirectory(options.DataDirectory),
                MaxUncheckpointedBytes = options.MaxUncheckpointedWalBytes,
                CrashPoint = crash.Hook,
                Synced = crash.Synced,
            });
        }
        catch
        {
            store.Dispose();
            accountStore.Dispose();
            metadata.Dispose();
            throw;
        }

        AccessLedger ledger;
        try
        {
            var ledgerOptions = new AccessLedgerOptions { CheckpointInterval = options.LedgerCheckpointInterval };
            if (options.LedgerCheckpointFile is { } checkpointFile) ledgerOptions.Publishers.Add(new FileCheckpointPublisher(checkpointFile));
            if (options.LedgerCheckpointWebhook is { } webhook) ledgerOptions.Publishers.Add(new WebhookCheckpointPublisher(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, webhook));
            ledger = AccessLedger.Open(options.DataDirectory, options.MasterKey, ledgerOptions);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            await wal.DisposeAsync();
            store.Dispose();
            accountStore.Dispose();
            metadata.Dispose();
            throw new StartupException(
                "The ledger's checkpoint signing key does not open with this master key. Start with the key this data directory " +
                "was last used with (after `veil keys rotate-master`, the new one).");
        }
        catch (Exception e) when (e is LedgerInUseException or LedgerCorruptException)
        {
            await wal.DisposeAsync();
            store.Dispose();
            accountStore.Dispose();
            metadata.Dispose();
            throw new StartupException(e.Message);
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(ledger);
        // Promise 4's budgets: alerts go to the log, the owners' banner and (when configured) a webhook.
        builder.Services.AddSingleton<BannerGuardAlertSink>();
        builder.Services.AddSingleton(services =>
        {
            var sinks = new List<IGuardAlertSink>
            {
                new LoggingGuardAlertSink(services.GetRequiredService<ILoggerFactory>().CreateLogger("Veil.Guard")),
                services.GetRequiredService<BannerGuardAlertSink>(),
            };
            if (options.GuardAlertWebhook is { } hook) sinks.Add(new WebhookGuardAlertSink(new HttpClient { Timeout = TimeSpan.FromSeconds(10) }, hook));
            // Suspensions live in meta.db: a stopped credential stays stopped across restarts until an owner lifts it.
            var guard = new ExfiltrationGuard(options.Guard, new Veil.Access.GuardAlertFanOut(sinks), new AccountSuspensionStore(accountStore, options.Time), options.Time);
            // Budgets count the last day's reads, not only those since this start: a restart hands nobody a fresh day.
            var served = ledger.EntriesSince(options.Time.GetUtcNow() - TimeSpan.FromDays(1));
            guard.Restore(served);
            if (served.Count > 0) services.GetRequiredService<ILoggerFactory>().CreateLogger("Veil.Guard").LogInformation("Exfiltration guard budgets restored from {Count} ledger entries of the last 24 hours.", served.Count);
            return guard;
        });
        builder.Services.AddSingleton<Veil.Access.ReadRecorder>();
        builder.Services.AddSingleton<IMetadataStore>(metadata);
        builder.Services.AddSingleton(projects);
        builder.Services.AddSingleton<IAccountStore>(accountStore);
        builder.Services.AddSingleton(accounts);
        builder.Services.AddSingleton(options.Time);
        builder.Services.AddSingleton<Veil.Access.CredentialAuthenticator>();
        builder.Services.AddSingleton<Veil.Access.PasskeyCeremonies>();
        builder.Services.AddRateLimiter(o => RateLimits.Configure(o, options));
        builder.Services.AddSingleton(piiHits);
        builder.Services.AddSingleton<Veil.Privacy.PiiHitPersister>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Veil.Privacy.PiiHitPersister>());
        builder.Services.AddSingleton<IEventStore>(store);
        builder.Services.AddSingleton(wal);
        var geo = MaxMindGeoLocator.TryOpen(options.GeoIpDirectory);
        builder.Services.AddSingleton<IGeoLocator>(geo is null ? NoGeoLocator.Instance : geo);
        builder.Services.AddSingleton(new UserAgentClassifier());
        builder.Services.AddSingleton<EventMinimiser>();
        builder.Services.AddSingleton<IngestionService>();
        builder.Services.AddSingleton<IngestRateLimiter>();
        builder.Services.AddSingleton<Veil.Privacy.IdentityVault>();
        builder.Services.AddSingleton(crash);
        builder.Services.AddSingleton<StoreWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoreWriter>());
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in options.TrustedProxies) o.KnownProxies.Add(proxy);
        });
        builder.Services.AddProblemDetails();

        var app = builder.Build();
        app.Services.GetRequiredService<Veil.Privacy.PiiHitPersister>().Load();
        if (geo is null)
        {
            app.Logger.LogWarning("No GeoIP database{Where}: events keep no country or region (IP addresses are still dropped). " +
                "Run tools/geoip/install.sh and pass --geoip DIR (or set VEIL_GEOIP_DIR).", options.GeoIpDirectory is null ? "" : " in " + options.GeoIpDirectory);
        }
        if (wal.Recovery.Truncated)
        {
            app.Logger.LogWarning("WAL recovery truncated a torn tail: {Bytes} bytes in {Segment} at offset {Offset} ({Reason}); every acknowledged record before it is intact.",
                wal.Recovery.BytesTruncated, wal.Recovery.TruncatedSegment, wal.Recovery.TruncatedAtOffset, wal.Recovery.Reason);
        }
        if (wal.DurableLsn > store.AppliedLsn)
        {
            app.Logger.LogInformation("Replaying WAL records {From}..{To} into the store.", store.AppliedLsn + 1, wal.DurableLsn);
        }
        if (options.TrustedProxies.Count > 0) app.UseForwardedHeaders();
        app.UseMiddleware<ErrorBoundary>();
        app.UseMiddleware<SecurityHeaders>();
        app.UseMiddleware<CorsForSdks>();
        app.UseRouting();
        // Rate limits before authorization, so guessing credentials is limited too.
        app.UseRateLimiter();
        app.UseMiddleware<Veil.Access.VeilAuthorization>();
        MapEndpoints(app);
        options.MapTestEndpoints?.Invoke(app);

        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch (Exception e)
        {
            await wal.DisposeAsync();
            await ledger.DisposeAsync();
            store.Dispose();
            accountStore.Dispose();
            metadata.Dispose();
            if (e is IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException })
            {
                throw new StartupException($"{e.Message} Is another Veil running? Choose another address with --urls.");
            }
            throw;
        }
        return new VeilServer(app, options, certificatePath, certificate is null ? null : TlsCertificates.Fingerprint(certificate), initialOwner);
    }

    /// <summary>Every endpoint, each with its authorization rule (the authorization matrix test enumerates them).</summary>
    internal static void MapEndpoints(IEndpointRouteBuilder app)
    {
        MixpanelEndpoints.Map(app);
        NativeEndpoints.Map(app);
        ReadEndpoints.Map(app);
        ProfileEndpoints.Map(app);
        QueryEndpoints.Map(app);
        CohortEndpoints.Map(app);
        LedgerEndpoints.Map(app);
        GuardEndpoints.Map(app);
        AuthEndpoints.Map(app);
        MemberEndpoints.Map(app);
        app.MapGet("/healthz", () => Results.Text("ok")).AllowVeilPublic("liveness probe");
    }

    /// <summary>Tells the operator where to send events and how to trust the certificate.</summary>
    public void PrintBanner(TextWriter output)
    {
        output.WriteLine("Veil is running.");
        foreach (var address in Addresses) output.WriteLine($"  listening:   {address}");
        output.WriteLine($"  data:        {Options.DataDirectory}");
        if (InitialOwner is { } owner)
        {
            output.WriteLine();
            output.WriteLine("  First run: created the owner account. This password is shown once and must be changed at first sign-in,");
            output.WriteLine("  when enrolling a second factor (TOTP) is also required:");
            output.WriteLine($"    email:    {owner.Email}");
            output.WriteLine($"    password: {owner.OneTimePassword}");
            output.WriteLine("    sign in:  POST /api/auth/signin {\"email\",\"password\"}, then /api/auth/password, /api/auth/mfa/totp/enrol and /confirm");
            output.WriteLine();
        }
        if (CertificatePath is not null)
        {
            output.WriteLine($"  certificate: {CertificatePath}");
            output.WriteLine($"  sha-256:     {CertificateFingerprint}");
            output.WriteLine($"  trust it:    NODE_EXTRA_CA_CERTS={CertificatePath} node app.js   |   curl --cacert {CertificatePath} …");
        }
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        // Stop Kestrel and the store writer first, then close the WAL and the stores they used.
        await _app.StopAsync();
        var services = _app.Services;
        await services.GetRequiredService<WriteAheadLog>().DisposeAsync();
        await services.GetRequiredService<AccessLedger>().DisposeAsync();
        services.GetRequiredService<IEventStore>().Dispose();
        services.GetRequiredService<IAccountStore>().Dispose();
        services.GetRequiredService<IMetadataStore>().Dispose();
        (services.GetRequiredService<IGeoLocator>() as IDisposable)?.Dispose();
        await _app.DisposeAsync();
    }
}
