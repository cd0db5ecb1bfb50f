using System.Globalization;
using System.Net;
using Veil.Core.Privacy;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

/// <summary>
/// The parallel incident reporter gives exactly what decoding every matched entry in order gives (the reference below is
/// the straightforward algorithm): enough entries for several parallel parts, projects and none, dense and random
/// pseudonyms, a damaged entry and a project filter.
/// </summary>
public sealed class IncidentReportEquivalenceTests
{
    [Theory]
    [InlineData(null)]
    [InlineData(2)]
    public void TheParallelReportMatchesTheSequentialReference(int? project)
    {
        using var dir = new TempDirectory();
        var random = new Random(5);
        var records = new List<StoredLedgerRecord>();
        var indexed = new List<IndexedEntry>();
        using (var store = FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out _))
        using (var index = LedgerIndex.Open(LedgerPaths.Index(dir.Path)))
        {
            for (var i = 0; i < 6000; i++)
            {
                var subjects = random.Next(4) == 0 ? 0 : random.Next(1, 30);
                var record = new AccessRecord
                {
                    Principal = "acct-" + (i % 7),
                    Credential = i % 3 == 0 ? "heavy" : "cred-" + (i % 50),
                    Scopes = ["read:events"],
                    ClientIp = IPAddress.Parse(i % 5 == 0 ? "2001:db8::7" : "10.0.0." + (i % 4)),
                    Action = i % 2 == 0 ? "export" : "profile.view",
                    Project = i % 11 == 0 ? null : 1 + i / 3 % 3,
                    Query = "{\"q\":\"a+b/" + (i % 9) + "\"}",
                    Fields = i % 4 == 0 ? [new LedgerField("email", DataClassification.VaultPii)] : [new LedgerField("f" + (i % 6), DataClassification.Pseudonymous), new LedgerField("count", DataClassification.Aggregate)],
                    Rows = random.Next(100),
                    Subjects = SubjectSet.Of(Enumerable.Range(0, subjects).Select(_ => new Pseudonym(i % 2 == 0
                        ? (UInt128)random.Next(5000)
                        : new UInt128((ulong)random.NextInt64(), (ulong)random.NextInt64())))),
                };
                var entry = new LedgerEntry(i, DateTimeOffset.FromUnixTimeMilliseconds(1_790_000_000_000 + i * 1000L), record);
                var bytes = LedgerEntryCodec.Encode(entry);
                records.Add(new StoredLedgerRecord(i, bytes, MerkleHash.Leaf(bytes)));
                indexed.Add(new IndexedEntry(entry, 0, 4 + bytes.Length + MerkleHash.Size));
            }
            store.Append(records);
            for (var k = 0; k < indexed.Count; k++) indexed[k] = indexed[k] with { Locator = store.Locate(k) };
            index.Add(indexed);
        }
        // One matched entry is damaged on disk.
        var log = LedgerPaths.Log(dir.Path);
        var bytesOnDisk = File.ReadAllBytes(log);
        bytesOnDisk[indexed[3000].Locator + 30] ^= 0x01;
        File.WriteAllBytes(log, bytesOnDisk);

        var query = new IncidentQuery { Credential = "heavy", Project = project };
        var now = DateTimeOffset.UnixEpoch;
        var report = IncidentReporter.BuildFromDirectory(dir.Path, query, now);
        using var index2 = LedgerIndex.Open(LedgerPaths.Index(dir.Path));
        using var file = FileLedgerStore.OpenForReading(log);
        var viaDelegate = IncidentReporter.Build(query, index2, (i, locator) => FileLedgerStore.ReadAt(file.SafeFileHandle, i, locator), 6000, now);
        var expected = Reference(query, index2, (i, locator) => FileLedgerStore.ReadAt(file.SafeFileHandle, i, locator), 6000, now);

        Assert.Equal([3000L], report.DamagedEntries);
        Assert.True(report.AffectedPersons.Count > 1000, $"{report.AffectedPersons.Count} persons");
        foreach (var actual in new[] { report, viaDelegate })
        {
            Assert.Equal(expected.Accesses, actual.Accesses);
            Assert.Equal(expected.Rows, actual.Rows);
            Assert.Equal(expected.FirstAccess, actual.FirstAccess);
            Assert.Equal(expected.LastAccess, actual.LastAccess);
            Assert.Equal(expected.Projects, actual.Projects);
            Assert.Equal(expected.Timeline, actual.Timeline);
            Assert.Equal(expected.AffectedPersons, actual.AffectedPersons);
            Assert.Equal(expected.AffectedPersons[^1], actual.AffectedPersons[^1]);
            Assert.Equal(expected.DamagedEntries, actual.DamagedEntries);
            Assert.Equal(expected.Fields.Keys.Order(), actual.Fields.Keys.Order());
            foreach (var (classification, names) in expected.Fields) Assert.Equal(names, actual.Fields[classification]);
            Assert.Equal(expected.Disclosure, actual.Disclosure);
            Assert.Equal(IncidentReportFormatter.ToMarkdown(expected), IncidentReportFormatter.ToMarkdown(actual));
        }
    }

    // The straightforward algorithm: every matched entry read, hash-checked and fully decoded, in order.
    private static IncidentReport Reference(IncidentQuery query, LedgerIndex index, IncidentReporter.RecordReader read, long ledgerSize, DateTimeOffset now)
    {
        var timeline = new List<IncidentAccess>();
        var fields = new Dictionary<DataClassification, SortedSet<string>>();
        var persons = new Dictionary<int, HashSet<UInt128>>();
        var perProject = new Dictionary<int, (long Rows, long Accesses)>();
        var damaged = new List<long>();
        long rows = 0;
        foreach (var (i, locator, _) in index.Find(query))
        {
            var stored = read(i, locator);
            if (!MerkleHash.Leaf(stored.Entry).AsSpan().SequenceEqual(stored.LeafHash) || LedgerEntryCodec.DeclaredIndex(stored.Entry) != i)
            {
                damaged.Add(i);
                continue;
            }
            var entry = LedgerEntryCodec.Decode(stored.Entry, checkCommitment: false);
            var r = entry.Record;
            if (query.Project is { } onlyProject && r.Project != onlyProject) continue;
            rows += r.Rows;
            foreach (var f in r.Fields)
            {
                if (!fields.TryGetValue(f.Classification, out var names)) fields[f.Classification] = names = new SortedSet<string>(StringComparer.Ordinal);
                names.Add(f.Name);
            }
            var key = r.Project ?? -1;
            if (!persons.TryGetValue(key, out var set)) persons[key] = set = [];
            foreach (var s in r.Subjects.Values) set.Add(s);
            perProject[key] = perProject.TryGetValue(key, out var t) ? (t.Rows + r.Rows, t.Accesses + 1) : (r.Rows, 1);
            timeline.Add(new IncidentAccess(entry.Index, entry.Time, r.Principal, r.Credential, r.ClientIp.ToString(), r.Action, r.Project, r.Query, r.Rows, r.Subjects.Count));
        }
        var report = new IncidentReport
        {
            Scope = query.Describe(),
            GeneratedAt = now,
            LedgerSize = ledgerSize,
            Accesses = timeline.Count,
            Rows = rows,
            FirstAccess = timeline.Count > 0 ? timeline[0].Time : null,
            LastAccess = timeline.Count > 0 ? timeline[^1].Time : null,
            Fields = fields.ToDictionary(f => f.Key, f => (IReadOnlyList<string>)[.. f.Value]),
            Projects = [.. perProject.OrderBy(p => p.Key).Select(p => new IncidentProject(p.Key < 0 ? null : p.Key, persons[p.Key].Count, p.Value.Rows, p.Value.Accesses))],
            Timeline = timeline,
            AffectedPersons = [.. persons.OrderBy(p => p.Key).SelectMany(p => p.Value.Order().Select(v => new IncidentPerson(p.Key < 0 ? null : p.Key, v.ToString("x32", CultureInfo.InvariantCulture))))],
            DamagedEntries = damaged,
            Disclosure = "",
        };
        return report with { Disclosure = IncidentReporter.DraftDisclosure(report) };
    }
}
