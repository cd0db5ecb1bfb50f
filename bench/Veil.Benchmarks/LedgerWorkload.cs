using System.Net;
using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Benchmarks;

/// <summary>Realistic ledger entries: 1000 credentials (a few busy ones), 40 staff IPs, 3 projects, 0–50 subjects per read.</summary>
public sealed class LedgerWorkload(int seed)
{
    private readonly Random _random = new(seed);

    public AccessRecord Next(long i)
    {
        // Credential 0 is a heavy exporter (5% of reads); the rest spread over 999 credentials.
        var credential = _random.NextDouble() < 0.05 ? 0 : 1 + _random.Next(999);
        var aggregate = _random.NextDouble() < 0.6;
        var subjects = aggregate ? 0 : _random.Next(1, 51);
        var set = new Pseudonym[subjects];
        for (var s = 0; s < subjects; s++) set[s] = new Pseudonym(new UInt128((ulong)_random.Next(200_000), (ulong)_random.NextInt64()));
        return new AccessRecord
        {
            Principal = "acct-" + (credential % 300).ToString(System.Globalization.CultureInfo.InvariantCulture),
            Credential = "cred-" + credential.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Scopes = ["read:events", "read:profiles"],
            MfaLevel = "webauthn",
            StepUpAge = TimeSpan.FromSeconds(_random.Next(3600)),
            ClientIp = new IPAddress([10, 1, (byte)(credential % 4), (byte)(credential % 10)]),
            Action = aggregate ? "query" : "profile.view",
            Project = 1 + (int)(i % 3),
            Query = aggregate
                ? "{\"insight\":{\"event\":\"Purchase\",\"breakdown\":\"country\",\"from\":\"2026-10-01\",\"to\":\"2026-11-01\"}}"
                : "{\"profiles\":{\"cohort\":\"churned\",\"limit\":50}}",
            Fields = aggregate
                ? [new LedgerField("country", DataClassification.Aggregate), new LedgerField("count", DataClassification.Aggregate)]
                : [new LedgerField("distinct_id", DataClassification.Pseudonymous), new LedgerField("last_seen", DataClassification.Pseudonymous), new LedgerField("email", DataClassification.VaultPii)],
            Rows = aggregate ? 40 : subjects,
            Subjects = SubjectSet.Of(set),
        };
    }
}
