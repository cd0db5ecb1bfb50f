using Veil.Core.Privacy;

namespace Veil.Hosting;

/// <summary>Everything `veil serve` needs, resolved from the command line before the server starts.</summary>
public sealed class VeilServerOptions
{
    public required string DataDirectory { get; init; }
    public required MasterKey MasterKey { get; init; }
    /// <summary>Listen addresses, e.g. <c>https://127.0.0.1:8443</c>.</summary>
    public IReadOnlyList<string> Urls { get; init; } = ["https://127.0.0.1:8443"];
    /// <summary>Plain HTTP listeners are refused unless the operator asks for them (e.g. behind a TLS-terminating proxy).</summary>
    public bool AllowHttp { get; init; }
    public string? CertificatePath { get; init; }
    public string? CertificateKeyPath { get; init; }
    /// <summary>Where a generated self-signed certificate is kept (outside the data directory).</summary>
    public string CertificateDirectory { get; init; } = Path.Combine(VeilPaths.ConfigDirectory(), "tls");
    /// <summary>Addresses of reverse proxies whose <c>X-Forwarded-For</c> is believed.</summary>
    public IReadOnlyList<System.Net.IPAddress> TrustedProxies { get; init; } = [];
    /// <summary>WAL bytes not yet in the store before new requests get 503.</summary>
    public long MaxUncheckpointedWalBytes { get; init; } = 512L * 1024 * 1024;
    /// <summary>Event dedup keys held in memory over all days (<see cref="Storage.DuckDb.DuckDbEventStoreOptions.MaxDedupKeys"/>).</summary>
    public long MaxDedupKeys { get; init; } = 16_000_000;
    public bool Quiet { get; init; }
    /// <summary>Directory of DB-IP/MaxMind-format .mmdb files (tools/geoip/install.sh prints it); null: no geo.</summary>
    public string? GeoIpDirectory { get; init; }
    /// <summary>Argon2id cost of password hashes; OWASP's unless a test asks for <see cref="Security.Passwords.Argon2idCost.InsecureForTestsOnly"/>.</summary>
    public Security.Passwords.Argon2idCost PasswordCost { get; init; } = Security.Passwords.Argon2idCost.Owasp;
    /// <summary>Sign-in attempts per client address per minute.</summary>
    public int SignInLimitPerMinute { get; init; } = 20;
    /// <summary>MFA attempts (verify, step-up, enrolment, password change) per client address per minute.</summary>
    public int MfaLimitPerMinute { get; init; } = 30;
    /// <summary>API requests per caller (credential, session or address) per minute.</summary>
    public int ApiLimitPerMinute { get; init; } = 1200;
    /// <summary>Ingestion requests per project token per second (sustained; bursts up to 10 s worth).</summary>
    public int IngestRequestsPerSecondPerToken { get; init; } = 10_000;
    /// <summary>Email of the owner created on first run (empty data directory).</summary>
    public string InitialOwnerEmail { get; init; } = "owner@veil.localhost";
    /// <summary>The clock of sessions, step-up, TOTP and lockouts (tests move it).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>The URL people reach Veil at (e.g. https://veil.example.com): the WebAuthn origin and relying party. Default: the first listen address, loopback named localhost.</summary>
    public string? PublicUrl { get; init; }
    /// <summary>File every signed ledger checkpoint is also written to (keep it where this machine's operator cannot rewrite it).</summary>
    public string? LedgerCheckpointFile { get; init; }
    /// <summary>Webhook every signed ledger checkpoint is POSTed to (text/plain signed note).</summary>
    public Uri? LedgerCheckpointWebhook { get; init; }

    /// <summary>Exfiltration-guard budgets (distinct persons per hour/day, rows per hour, per credential and per principal).</summary>
    public Security.Guard.GuardOptions Guard { get; init; } = new();

    /// <summary>Webhook every exfiltration-guard alert is POSTed to, besides the log and the owners' banner.</summary>
    public Uri? GuardAlertWebhook { get; init; }
    /// <summary>How often a ledger checkpoint is signed when reads happened since the last one.</summary>
    public TimeSpan LedgerCheckpointInterval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Tests only: extra endpoints mapped after Veil's own (e.g. one probe per permission for the authorization matrix).</summary>
    internal Action<IEndpointRouteBuilder>? MapTestEndpoints { get; init; }
    /// <summary>
    /// k for aggregates served to principals without individual-level access (<see cref="Security.Access.VeilPrincipal.AppliesKThreshold"/>):
    /// cells with fewer than k subjects are suppressed. At least <see cref="Security.Access.AccessRules.MinimumKThreshold"/>.
    /// </summary>
    public int KThreshold { get; init; } = Security.Access.AccessRules.MinimumKThreshold;

    /// <summary>DuckDB's memory limit in MiB (<c>--store-memory-mb</c>): bounds the event store's share of the server's memory.</summary>
    public int StoreMemoryMiB { get; init; } = 1024;
}
