using System.Globalization;
using System.Text;

namespace Veil.Security.Ledger;

/// <summary>Builds incident reports from the ledger: the index selects entries, the log supplies them (hash-checked).</summary>
public static class IncidentReporter
{
    /// <summary>Reads one stored record given its index and locator.</summary>
    public delegate StoredLedgerRecord RecordReader(long index, long locator);

    /// <summary>The report for <paramref name="query"/>.</summary>
    public static IncidentReport Build(IncidentQuery query, LedgerIndex index, RecordReader read, long ledgerSize, DateTimeOffset now)
    {
        var matches = index.Find(query);
        var timeline = new List<IncidentAccess>(matches.Count);
        var fields = new Dictionary<DataClassification, SortedSet<string>>();
        var persons = new Dictionary<int, HashSet<UInt128>>(); // project (or -1 for none) -> pseudonyms
        var perProject = new Dictionary<int, (long Rows, long Accesses)>();
        var damaged = new List<long>();
        long rows = 0;
        foreach (var (i, locator) in matches)
        {
            var stored = read(i, locator);
            if (!MerkleHash.Leaf(stored.Entry).AsSpan().SequenceEqual(stored.LeafHash) || LedgerEntryCodec.DeclaredIndex(stored.Entry) != i)
            {
                damaged.Add(i);
                continue;
            }
            var entry = LedgerEntryCodec.Decode(stored.Entry, checkCommitment: false); // the leaf hash above vouches for the bytes
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
        var projects = perProject.OrderBy(p => p.Key).Select(p => new IncidentProject(p.Key < 0 ? null : p.Key, persons[p.Key].Count, p.Value.Rows, p.Value.Accesses)).ToList();
        var affected = persons.OrderBy(p => p.Key)
            .SelectMany(p => p.Value.Order().Select(v => new IncidentPerson(p.Key < 0 ? null : p.Key, v.ToString("x32", CultureInfo.InvariantCulture))))
            .ToList();
        var fieldLists = fields.ToDictionary(f => f.Key, f => (IReadOnlyList<string>)[.. f.Value]);
        var report = new IncidentReport
        {
            Scope = query.Describe(),
            GeneratedAt = now,
            LedgerSize = ledgerSize,
            Accesses = timeline.Count,
            Rows = rows,
            FirstAccess = timeline.Count > 0 ? timeline[0].Time : null,
            LastAccess = timeline.Count > 0 ? timeline[^1].Time : null,
            Fields = fieldLists,
            Projects = projects,
            Timeline = timeline,
            AffectedPersons = affected,
            DamagedEntries = damaged,
            Disclosure = "",
        };
        return report with { Disclosure = DraftDisclosure(report) };
    }

    /// <summary>
    /// The report for <paramref name="query"/> from a data directory's ledger files, which a server may be writing:
    /// the index is caught up from the log's tail first.
    /// </summary>
    public static IncidentReport BuildFromDirectory(string dataDirectory, IncidentQuery query, DateTimeOffset now)
    {
        var log = LedgerPaths.Log(dataDirectory);
        if (!File.Exists(log)) throw new FileNotFoundException($"{dataDirectory} has no access ledger.", log);
        using var index = LedgerIndex.Open(LedgerPaths.Index(dataDirectory));
        index.CatchUpFromFile(log);
        using var file = FileLedgerStore.OpenForReading(log);
        return Build(query, index, (i, locator) => FileLedgerStore.ReadAt(file.SafeFileHandle, i, locator), index.IndexedCount, now);
    }

    /// <summary>A plain-language statement of the facts, with bracketed gaps for what only the operator knows.</summary>
    public static string DraftDisclosure(IncidentReport report)
    {
        static string Day(DateTimeOffset? t) => t?.UtcDateTime.ToString("d MMMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";
        var text = new StringBuilder();
        if (report.Accesses == 0)
        {
            text.Append(CultureInfo.InvariantCulture, $"Our access records show no reads of data by {report.Scope}. No personal data was exposed through it.");
            return text.ToString();
        }
        text.Append(CultureInfo.InvariantCulture, $"Between {Day(report.FirstAccess)} and {Day(report.LastAccess)}, {report.Scope.Split(',')[0]} was used to read data from our analytics system {report.Accesses:N0} times. [Describe how the credential was obtained or misused.] ");
        if (report.Persons == 0)
        {
            text.Append("These reads returned only aggregated statistics; no information about any individual person left the system.");
        }
        else
        {
            text.Append(CultureInfo.InvariantCulture, $"Information about {report.Persons:N0} {(report.Persons == 1 ? "person" : "people")} left the system");
            if (report.Projects.Count > 1)
            {
                text.Append(" (");
                text.AppendJoin("; ", report.Projects.Where(p => p.Persons > 0).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Persons:N0} in project {p.Project?.ToString(CultureInfo.InvariantCulture) ?? "none"}")));
                text.Append(')');
            }
            text.Append(". ");
            if (report.Fields.TryGetValue(DataClassification.VaultPii, out var pii) && pii.Count > 0)
            {
                text.Append("The exposed data included directly identifying information: ").AppendJoin(", ", pii).Append(". ");
            }
            else
            {
                text.Append("The exposed records did not include names, email addresses or other contact details; people were identified only by internal pseudonymous identifiers. ");
            }
            if (report.Fields.TryGetValue(DataClassification.Pseudonymous, out var pseudonymous) && pseudonymous.Count > 0)
            {
                text.Append("The records contained: ").AppendJoin(", ", pseudonymous).Append(". ");
            }
        }
        text.Append(CultureInfo.InvariantCulture, $"In total {report.Rows:N0} rows were returned. ");
        text.Append("We have [suspended the credential / rotated keys] and [describe further steps]. ");
        if (report.Persons > 0) text.Append("We are contacting the people affected. ");
        text.Append("Every read of data in our system is recorded in a tamper-evident access ledger, which is how we know exactly what was accessed.");
        return text.ToString();
    }
}
