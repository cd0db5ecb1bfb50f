using System.Net;
using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

internal static class LedgerTestData
{
    public static AccessRecord Read(int i, string credential = "cred-1", string principal = "acct-1", int subjects = 3, string ip = "10.0.0.7") => new()
    {
        Principal = principal,
        Credential = credential,
        Scopes = ["read:events"],
        MfaLevel = "totp",
        StepUpAge = TimeSpan.FromSeconds(42),
        ClientIp = IPAddress.Parse(ip),
        Action = "query",
        Project = 1 + i % 2,
        Query = $"{{\"event\":\"Signup\",\"n\":{i}}}",
        Fields = [new LedgerField("distinct_id", DataClassification.Pseudonymous), new LedgerField("count", DataClassification.Aggregate)],
        Rows = 10 + i,
        Subjects = SubjectSet.Of(Enumerable.Range(0, subjects).Select(s => new Pseudonym((UInt128)(1000 + i * 7 + s)))),
    };

    public static MasterKey Key() => new(Enumerable.Repeat((byte)7, 32).ToArray());
}
