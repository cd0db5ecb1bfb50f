using System.Net;
using System.Text.Json;
using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

public sealed class IncidentReportTests
{
    private static AccessRecord Record(string credential, string ip, int project, int[] subjects, DataClassification classification = DataClassification.Pseudonymous) => new()
    {
        Principal = "acct-" + credential,
        Credential = credential,
        ClientIp = IPAddress.Parse(ip),
        Action = "export",
        Project = project,
        Query = "{\"export\":\"events\"}",
        Fields = [new LedgerField("event", classification), new LedgerField("count", DataClassification.Aggregate)],
        Rows = subjects.Length * 2,
        Subjects = SubjectSet.Of(subjects.Select(s => new Pseudonym((UInt128)s))),
    };

    [Fact]
    public async Task CountsExactDistinctPersonsPerProjectWithinTheWindow()
    {
        using var dir = new TempDirectory();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 1, 9, 0, 0, TimeSpan.Zero));
        var options = new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero };
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), options, time))
        {
            await ledger.AppendAsync(Record("leaked", "203.0.113.5", 1, [1, 2, 3]));
            time.Advance(TimeSpan.FromHours(1));
            await ledger.AppendAsync(Record("leaked", "203.0.113.9", 1, [3, 4]));
            await ledger.AppendAsync(Record("leaked", "203.0.113.9", 2, [3, 5], DataClassification.VaultPii));
            await ledger.AppendAsync(Record("other", "10.0.0.1", 1, [7, 8, 9]));
            await ledger.AppendAsync(Record("leaked", "203.0.113.9", 1, [])); // a thresholded aggregate: no one left
            time.Advance(TimeSpan.FromDays(2));
            await ledger.AppendAsync(Record("leaked", "198.51.100.1", 1, [10]));

            var report = await ledger.ReportAsync(new IncidentQuery { Credential = "leaked", To = new DateTimeOffset(2026, 11, 2, 0, 0, 0, TimeSpan.Zero) });
            Assert.Equal(4, report.Accesses);
            Assert.Equal([new IncidentProject(1, 4, 10, 3), new IncidentProject(2, 2, 4, 1)], report.Projects);
            Assert.Equal(6, report.Persons);
            Assert.Equal(["event"], report.Fields[DataClassification.VaultPii]);
            Assert.Equal(6, report.AffectedPersons.Count);
            Assert.Contains("6 people", report.Disclosure);
            Assert.Contains("directly identifying information: event", report.Disclosure);
        }

        // Offline, from the files, by network: the same facts.
        var byNetwork = IncidentReporter.BuildFromDirectory(dir.Path, new IncidentQuery { Network = IPNetwork.Parse("203.0.113.0/24") }, DateTimeOffset.UtcNow);
        Assert.Equal(4, byNetwork.Accesses);
        Assert.Equal(6, byNetwork.Persons);
        var md = IncidentReportFormatter.ToMarkdown(byNetwork);
        Assert.Contains("| 1 | 4 | 10 | 3 |", md);
        Assert.Contains("Draft disclosure statement", md);
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream)) IncidentReportFormatter.WriteJson(writer, byNetwork);
        using var json = JsonDocument.Parse(stream.ToArray());
        Assert.Equal(6, json.RootElement.GetProperty("persons").GetInt32());
        Assert.Equal(6, json.RootElement.GetProperty("affectedPersons").GetArrayLength());

        var nobody = IncidentReporter.BuildFromDirectory(dir.Path, new IncidentQuery { Principal = "acct-nobody" }, DateTimeOffset.UtcNow);
        Assert.Equal(0, nobody.Accesses);
        Assert.Contains("no reads", nobody.Disclosure);
    }

    [Fact]
    public async Task ADeletedIndexIsRebuiltFromTheLog()
    {
        using var dir = new TempDirectory();
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key()))
        {
            for (var i = 0; i < 30; i++) await ledger.AppendAsync(LedgerTestData.Read(i, credential: "c" + (i % 3)));
            await ledger.Index!.FlushAsync();
        }
        File.Delete(LedgerPaths.Index(dir.Path));
        var report = IncidentReporter.BuildFromDirectory(dir.Path, new IncidentQuery { Credential = "c1" }, DateTimeOffset.UtcNow);
        Assert.Equal(10, report.Accesses);
        Assert.Equal(30, report.LedgerSize);
    }
}
