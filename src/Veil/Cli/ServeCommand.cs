using System.CommandLine;
using System.Net;
using Veil.Hosting;

namespace Veil.Cli;

/// <summary>`veil serve`: the server.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var command = new Command("serve", "Run the Veil server: ingestion endpoints (Mixpanel-compatible and native) and the read API.");
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        var server = new ServerOptionSet(command);
        command.Options.Add(data);
        command.Options.Add(keyFile);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            Directory.CreateDirectory(dataDirectory);
            var options = server.Build(parse, dataDirectory, MasterKeySource.Resolve(parse.GetValue(keyFile), dataDirectory));
            HardenProcess();
            await using var running = await VeilServer.StartAsync(options, cancellationToken);
            running.PrintBanner(Console.Out);
            await running.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>Before any personal data is in memory: no core dumps (see <see cref="NativeMethods.DisableCoreDumps"/>).</summary>
    internal static void HardenProcess()
    {
        if (OperatingSystem.IsLinux() && !NativeMethods.DisableCoreDumps())
        {
            Console.Error.WriteLine("veil: warning: could not disable core dumps; a crash could write memory (raw identifiers in flight) to disk.");
        }
    }
}

/// <summary>The listening and TLS options shared by `serve` and `demo`.</summary>
internal sealed class ServerOptionSet
{
    private readonly Option<string[]> _urls = new("--urls")
    {
        Description = "Listen addresses, e.g. https://127.0.0.1:8443 (several allowed). http:// needs --http.",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<bool> _http = new("--http") { Description = "Allow plain-HTTP listeners (only behind a TLS-terminating proxy)." };
    private readonly Option<string?> _cert = new("--cert") { Description = "PEM certificate to serve (default: a generated self-signed one)." };
    private readonly Option<string?> _certKey = new("--cert-key") { Description = "PEM private key of --cert." };
    private readonly Option<string?> _certDir = new("--cert-dir") { Description = "Where to keep the generated self-signed certificate (default: ~/.config/veil/tls)." };
    private readonly Option<string[]> _trustedProxy = new("--trusted-proxy") { Description = "Address of a reverse proxy whose X-Forwarded-For is trusted (repeatable)." };
    private readonly Option<int> _kThreshold = new("--k-threshold")
    {
        Description = "Suppress aggregate cells under k subjects for people and credentials without individual-level access (at least 5).",
        DefaultValueFactory = _ => Security.Access.AccessRules.MinimumKThreshold,
    };
    private readonly Option<int> _storeMemory = new("--store-memory-mb")
    {
        Description = "Memory the embedded event store (DuckDB) may use for its buffers and queries, in MiB (at least 64); beyond it queries spill to disk.",
        DefaultValueFactory = _ => 1024,
    };
    private readonly Option<int> _walBacklog = new("--wal-backlog-mb")
    {
        Description = "Disk the write-ahead log may hold for events acknowledged but not yet in the store, in MiB (at least 16); past it new requests get 503 + Retry-After. A larger backlog absorbs longer bursts and takes longer to replay after a crash.",
        DefaultValueFactory = _ => 512,
    };
    private readonly Option<int> _dedupKeys = new("--dedup-keys-millions")
    {
        Description = "Event dedup keys held in in-memory Bloom filters over all days, in millions (2–4 bytes each; at least 1). Every day's keys are also kept exactly on disk beside the event store (8 bytes each); a day with more events than this is answered from disk alone.",
        DefaultValueFactory = _ => 16,
    };
    private readonly Option<string?> _publicUrl = new("--public-url") { Description = "The URL people reach Veil at (the passkey origin), e.g. https://veil.example.com." };
    private readonly Option<bool> _quiet = new("--quiet") { Description = "Log warnings and errors only." };
    private readonly Option<string?> _geoip = new("--geoip")
    {
        Description = "Directory of DB-IP .mmdb files for IP -> country/region (tools/geoip/install.sh prints it). Default: $VEIL_GEOIP_DIR.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("VEIL_GEOIP_DIR") is { Length: > 0 } dir ? dir : null,
    };

    private readonly Option<string?> _ledgerCheckpointFile = new("--ledger-checkpoint-file")
    {
        Description = "Also write each signed access-ledger checkpoint to this file (outside the data directory, ideally on storage another team controls).",
    };
    private readonly Option<string?> _ledgerCheckpointWebhook = new("--ledger-checkpoint-webhook")
    {
        Description = "POST each signed access-ledger checkpoint (text/plain signed note) to this URL.",
    };

    public ServerOptionSet(Command command, string defaultUrl = "https://127.0.0.1:8443")
    {
        _urls.DefaultValueFactory = _ => [defaultUrl];
        command.Options.Add(_urls);
        command.Options.Add(_http);
        command.Options.Add(_cert);
        command.Options.Add(_certKey);
        command.Options.Add(_certDir);
        command.Options.Add(_trustedProxy);
        command.Options.Add(_quiet);
        command.Options.Add(_kThreshold);
        command.Options.Add(_storeMemory);
        command.Options.Add(_walBacklog);
        command.Options.Add(_dedupKeys);
        command.Options.Add(_publicUrl);
        command.Options.Add(_geoip);
        command.Options.Add(_ledgerCheckpointFile);
        command.Options.Add(_ledgerCheckpointWebhook);
    }

    private static long WalBacklogBytes(int mib) =>
        mib >= 16 ? mib * 1024L * 1024 : throw new StartupException($"--wal-backlog-mb {mib} is too small; give the write-ahead log at least 16 MiB.");

    private static long DedupKeys(int millions) =>
        millions >= 1 ? millions * 1_000_000L : throw new StartupException($"--dedup-keys-millions {millions} is too small; give at least 1.");

    public VeilServerOptions Build(ParseResult parse, string dataDirectory, Core.Privacy.MasterKey masterKey)
    {
        var urls = (parse.GetValue(_urls) ?? []).SelectMany(u => u.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
        var proxies = new List<IPAddress>();
        foreach (var text in parse.GetValue(_trustedProxy) ?? [])
        {
            if (!IPAddress.TryParse(text, out var address)) throw new StartupException($"--trusted-proxy {text} is not an IP address.");
            proxies.Add(address);
        }
        var certDir = parse.GetValue(_certDir);
        return new VeilServerOptions
        {
            DataDirectory = dataDirectory,
            MasterKey = masterKey,
            Urls = urls,
            AllowHttp = parse.GetValue(_http),
            CertificatePath = parse.GetValue(_cert),
            CertificateKeyPath = parse.GetValue(_certKey),
            CertificateDirectory = certDir is null ? Path.Combine(VeilPaths.ConfigDirectory(), "tls") : Path.GetFullPath(certDir),
            TrustedProxies = proxies,
            Quiet = parse.GetValue(_quiet),
            GeoIpDirectory = parse.GetValue(_geoip),
            LedgerCheckpointFile = parse.GetValue(_ledgerCheckpointFile) is { } file ? Path.GetFullPath(file) : null,
            LedgerCheckpointWebhook = parse.GetValue(_ledgerCheckpointWebhook) is { } hook
                ? Uri.TryCreate(hook, UriKind.Absolute, out var uri) && uri.Scheme is "https" or "http" ? uri : throw new StartupException($"--ledger-checkpoint-webhook {hook} is not an http(s) URL.")
                : null,
            KThreshold = parse.GetValue(_kThreshold),
            StoreMemoryMiB = parse.GetValue(_storeMemory),
            MaxUncheckpointedWalBytes = WalBacklogBytes(parse.GetValue(_walBacklog)),
            MaxDedupKeys = DedupKeys(parse.GetValue(_dedupKeys)),
            PublicUrl = parse.GetValue(_publicUrl),
        };
    }
}
