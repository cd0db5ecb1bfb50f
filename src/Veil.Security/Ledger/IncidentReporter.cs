using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;

namespace Veil.Security.Ledger;

/// <summary>Builds incident reports from the ledger: the index selects entries, the log supplies them (hash-checked).</summary>
/// <remarks>
/// A heavy incident reads tens of thousands of entries and lists half a million pseudonyms, so the matched entries are
/// split into contiguous parts read, hash-checked and decoded in parallel (each part keeps only the fields a report
/// needs), then merged in ledger order; persons are gathered as numbers, sorted and de-duplicated once per project.
/// </remarks>
public static class IncidentReporter
{
    /// <summary>Reads one stored record given its index and locator.</summary>
    public delegate StoredLedgerRecord RecordReader(long index, long locator);

    /// <summary>The report for <paramref name="query"/>.</summary>
    public static IncidentReport Build(IncidentQuery query, LedgerIndex index, RecordReader read, long ledgerSize, DateTimeOffset now) =>
        Build(query, index.Find(query), (part, i, locator, _) => part.TakeStored(i, read(i, locator)), ledgerSize, now);

    /// <summary>
    /// The report for <paramref name="query"/>, reading the ledger file open as <paramref name="log"/> (one positional read
    /// per entry, with the size the index recorded).
    /// </summary>
    public static IncidentReport Build(IncidentQuery query, LedgerIndex index, SafeFileHandle log, long ledgerSize, DateTimeOffset now) =>
        Build(query, index.Find(query), (part, i, locator, size) => part.TakeFromFile(log, i, locator, size), ledgerSize, now);

    private delegate void Take(Part part, long index, long locator, long size);

    private static IncidentReport Build(IncidentQuery query, List<(long Index, long Locator, long Size)> matches, Take take, long ledgerSize, DateTimeOffset now)
    {
        var partCount = matches.Count < 2048 ? 1 : Math.Min(matches.Count / 1024, 4 * Environment.ProcessorCount);
        var parts = new Part[partCount];
        try
        {
            Parallel.For(0, partCount, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, k =>
            {
                var part = parts[k] = new Part(query);
                part.TakeRange(matches, (int)((long)matches.Count * k / partCount), (int)((long)matches.Count * (k + 1) / partCount), take);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // Callers see what a sequential read throws (a malformed entry, a cut-short file), not a wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerExceptions.OrderBy(x => x is FormatException ? 1 : 0).First());
        }

        var timeline = new List<IncidentAccess>(matches.Count);
        var damaged = new List<long>();
        var fields = new Dictionary<DataClassification, SortedSet<string>>();
        long rows = 0;
        var projectKeys = new SortedSet<int>();
        foreach (var part in parts)
        {
            timeline.AddRange(part.Timeline);
            damaged.AddRange(part.Damaged);
            rows += part.Rows;
            foreach (var (classification, names) in part.Fields)
            {
                if (!fields.TryGetValue(classification, out var all)) fields[classification] = all = new SortedSet<string>(StringComparer.Ordinal);
                all.UnionWith(names);
            }
            projectKeys.UnionWith(part.Projects.Keys);
        }
        // Per project (-1 for none): exact distinct persons, sorted, then rows and accesses.
        var keys = projectKeys.ToArray();
        var persons = new UInt128[keys.Length][];
        Parallel.For(0, keys.Length, k =>
        {
            var all = new UInt128[parts.Sum(p => p.Projects.TryGetValue(keys[k], out var pp) ? pp.Values.Count : 0)];
            var at = 0;
            foreach (var part in parts)
            {
                if (!part.Projects.TryGetValue(keys[k], out var pp)) continue;
                CollectionsMarshal.AsSpan(pp.Values).CopyTo(all.AsSpan(at));
                at += pp.Values.Count;
            }
            Sort(all);
            var distinct = 0;
            for (var i = 0; i < all.Length; i++)
            {
                if (distinct == 0 || all[i] != all[distinct - 1]) all[distinct++] = all[i];
            }
            persons[k] = distinct == all.Length ? all : all[..distinct];
        });
        var projects = new List<IncidentProject>(keys.Length);
        for (var k = 0; k < keys.Length; k++)
        {
            long projectRows = 0, accesses = 0;
            foreach (var part in parts)
            {
                if (!part.Projects.TryGetValue(keys[k], out var pp)) continue;
                projectRows += pp.Rows;
                accesses += pp.Accesses;
            }
            projects.Add(new IncidentProject(keys[k] < 0 ? null : keys[k], persons[k].Length, projectRows, accesses));
        }
        var affected = new IncidentPersonList([.. keys.Select((key, k) => (key < 0 ? (int?)null : key, persons[k]))]);
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
        return Build(query, index, file.SafeFileHandle, index.IndexedCount, now);
    }

    // One contiguous run of matched entries, read and reduced by one thread.
    private sealed class Part(IncidentQuery query)
    {
        public List<IncidentAccess> Timeline { get; } = [];
        public List<long> Damaged { get; } = [];
        public Dictionary<int, ProjectPart> Projects { get; } = [];
        public Dictionary<DataClassification, HashSet<string>> Fields { get; } = [];
        public long Rows { get; private set; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void TakeRange(List<(long Index, long Locator, long Size)> matches, int from, int to, Take take)
        {
            for (var m = from; m < to; m++) take(this, matches[m].Index, matches[m].Locator, matches[m].Size);
        }

        private readonly Dictionary<string, string> _ips = new(StringComparer.Ordinal);
        private readonly List<(byte[] Utf8, int Escaped, string Value)> _strings = [];
        private readonly List<(string Name, DataClassification Classification)> _fields = [];
        private byte[] _record = new byte[4096];
        private byte[] _subjectBytes = new byte[1024];
        private UInt128[] _subjects = new UInt128[64];

        // Reads the record at `locator` whose stored size (length field, entry, hash) the index gave, in one read.
        public void TakeFromFile(SafeFileHandle log, long index, long locator, long size)
        {
            if (size is >= 4 + MerkleHash.Size + 1 and <= 4 + MerkleHash.Size + (1 << 24))
            {
                if (_record.Length < size) _record = new byte[Math.Max(size, 2L * _record.Length)];
                var framed = _record.AsSpan(0, (int)size);
                if (RandomAccess.Read(log, framed, locator) == size && BinaryPrimitives.ReadUInt32LittleEndian(framed) == size - 4 - MerkleHash.Size)
                {
                    TakeFramed(index, framed);
                    return;
                }
            }
            // The index disagrees with the file (or a huge entry): read it as the log frames it.
            TakeStored(index, FileLedgerStore.ReadAt(log, index, locator));
        }

        public void TakeStored(long index, StoredLedgerRecord stored)
        {
            if (stored.LeafHash.Length != MerkleHash.Size)
            {
                Damaged.Add(index);
                return;
            }
            var size = 4 + stored.Entry.Length + MerkleHash.Size;
            if (_record.Length < size) _record = new byte[Math.Max(size, 2 * _record.Length)];
            stored.Entry.CopyTo(_record.AsSpan(4));
            stored.LeafHash.CopyTo(_record.AsSpan(4 + stored.Entry.Length));
            TakeFramed(index, _record.AsSpan(0, size));
        }

        // `framed` is a length field, the entry and its stored leaf hash. Hot loops are compiled optimized from the first
        // call: `veil incident report` is a short process, and tiered compilation would run most of them unoptimized.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void TakeFramed(long index, Span<byte> framed)
        {
            var length = framed.Length - 4 - MerkleHash.Size;
            // The length field's last byte becomes the leaf prefix 0x00, so the leaf hash needs no copy of the entry.
            framed[3] = 0x00;
            Span<byte> leaf = stackalloc byte[MerkleHash.Size];
            SHA256.HashData(framed.Slice(3, 1 + length), leaf);
            var entry = framed.Slice(4, length);
            if (!leaf.SequenceEqual(framed.Slice(4 + length, MerkleHash.Size)) || LedgerEntryCodec.DeclaredIndex(entry) != index)
            {
                Damaged.Add(index);
                return;
            }
            Decode(entry);
        }

        // LedgerEntryCodec.Decode's checks and field order, keeping only what a report uses (the leaf hash vouches for
        // the bytes, so the subject commitment is not recomputed, as before).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Decode(ReadOnlySpan<byte> bytes)
        {
            try
            {
                var reader = new Utf8JsonReader(bytes);
                Expect(ref reader, JsonTokenType.StartObject);
                if (Number(ref reader, "v"u8) != 1) throw new FormatException("Unknown ledger entry version.");
                var index = Number(ref reader, "index"u8);
                var time = Number(ref reader, "time"u8);
                var principal = Text(ref reader, "principal"u8);
                var credential = Text(ref reader, "credential"u8);
                Name(ref reader, "scopes"u8);
                Expect(ref reader, JsonTokenType.StartArray);
                while (Next(ref reader) == JsonTokenType.String)
                {
                }
                Name(ref reader, "mfa"u8);
                Expect(ref reader, JsonTokenType.String);
                Name(ref reader, "stepUpAgeSeconds"u8);
                if (Next(ref reader) != JsonTokenType.Null) _ = TimeSpan.FromSeconds(reader.GetInt64());
                var ipText = Text(ref reader, "ip"u8);
                if (!_ips.TryGetValue(ipText, out var ip)) _ips[ipText] = ip = IPAddress.Parse(ipText).ToString();
                var action = Text(ref reader, "action"u8);
                Name(ref reader, "project"u8);
                int? project = Next(ref reader) == JsonTokenType.Null ? null : reader.GetInt32();
                var queryText = Text(ref reader, "query"u8);
                Name(ref reader, "fields"u8);
                Expect(ref reader, JsonTokenType.StartArray);
                _fields.Clear();
                while (Next(ref reader) == JsonTokenType.StartObject)
                {
                    var name = Text(ref reader, "name"u8);
                    Name(ref reader, "class"u8);
                    Expect(ref reader, JsonTokenType.String);
                    var classification = ParseClass(ref reader);
                    Expect(ref reader, JsonTokenType.EndObject);
                    _fields.Add((name, classification));
                }
                var rows = Number(ref reader, "rows"u8);
                Name(ref reader, "subjects"u8);
                Expect(ref reader, JsonTokenType.StartObject);
                var count = checked((int)Number(ref reader, "count"u8));
                Name(ref reader, "sha256"u8);
                Expect(ref reader, JsonTokenType.String);
                Name(ref reader, "delta"u8);
                Expect(ref reader, JsonTokenType.String);
                var subjects = DecodeSubjects(ref reader, count);
                Expect(ref reader, JsonTokenType.EndObject);
                Expect(ref reader, JsonTokenType.EndObject);
                if (reader.Read()) throw new FormatException("Trailing data after the entry.");

                if (query.Project is { } onlyProject && project != onlyProject) return;
                Rows += rows;
                foreach (var (name, classification) in _fields)
                {
                    if (!Fields.TryGetValue(classification, out var names)) Fields[classification] = names = new HashSet<string>(StringComparer.Ordinal);
                    names.Add(name);
                }
                var key = project ?? -1;
                if (!Projects.TryGetValue(key, out var pp)) Projects[key] = pp = new ProjectPart();
                pp.Values.AddRange(subjects);
                pp.Rows += rows;
                pp.Accesses++;
                Timeline.Add(new IncidentAccess(index, DateTimeOffset.FromUnixTimeMilliseconds(time), principal, credential, ip, action, project, queryText, rows, count));
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or OverflowException)
            {
                throw new FormatException("Not a valid ledger entry: " + ex.Message, ex);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private ReadOnlySpan<UInt128> DecodeSubjects(ref Utf8JsonReader reader, int count)
        {
            if (count < 0) throw new FormatException("Missing subject bytes.");
            var maxBytes = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
            if (_subjectBytes.Length < maxBytes) _subjectBytes = new byte[Math.Max(maxBytes, 2 * _subjectBytes.Length)];
            // Unescaped first: the JSON writer escapes '+' in base64.
            var base64 = _subjectBytes.AsSpan(0, reader.CopyString(_subjectBytes));
            if (Base64.DecodeFromUtf8InPlace(base64, out var written) != OperationStatus.Done) throw new FormatException("The subject bytes are not valid base64.");
            if (_subjects.Length < count) _subjects = new UInt128[Math.Max(count, 2 * _subjects.Length)];
            var values = _subjects.AsSpan(0, count);
            SubjectSet.DecodeTo(base64[..written], values);
            return values;
        }

        private static JsonTokenType Next(ref Utf8JsonReader reader)
        {
            if (!reader.Read()) throw new FormatException("The entry ends early.");
            return reader.TokenType;
        }

        private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
        {
            if (Next(ref reader) != type) throw new FormatException($"Expected {type}, found {reader.TokenType}.");
        }

        private static void Name(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            Expect(ref reader, JsonTokenType.PropertyName);
            if (!reader.ValueTextEquals(name)) throw new FormatException($"Expected \"{Encoding.UTF8.GetString(name)}\", found \"{reader.GetString()}\" (fields are in a fixed order).");
        }

        private static long Number(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            Name(ref reader, name);
            Expect(ref reader, JsonTokenType.Number);
            return reader.GetInt64();
        }

        // The string value of property `name`; a part's entries repeat the same few principals, credentials, actions,
        // queries and field names, so equal values share one string instead of one per entry.
        private string Text(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
        {
            Name(ref reader, name);
            Expect(ref reader, JsonTokenType.String);
            var length = reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
            if (length <= 256 && !reader.HasValueSequence)
            {
                var cache = _strings;
                for (var i = 0; i < cache.Count; i++)
                {
                    if (cache[i].Escaped == reader.ValueSpan.Length && reader.ValueTextEquals(cache[i].Utf8)) return cache[i].Value;
                }
                var value = reader.GetString()!;
                if (cache.Count == 64) cache.RemoveAt(0);
                cache.Add((Encoding.UTF8.GetBytes(value), reader.ValueSpan.Length, value));
                return value;
            }
            return reader.GetString()!;
        }

        private static DataClassification ParseClass(ref Utf8JsonReader reader) =>
            reader.ValueTextEquals("aggregate"u8) ? DataClassification.Aggregate
            : reader.ValueTextEquals("pseudonymous"u8) ? DataClassification.Pseudonymous
            : reader.ValueTextEquals("vault_pii"u8) ? DataClassification.VaultPii
            : throw new FormatException($"Unknown classification \"{reader.GetString()}\".");
    }

    // Ascending. Array.Sort would do, but its generic helper for UInt128 runs unoptimized for most of a short process's
    // life (tiered compilation); half a million pseudonyms then take a sizeable part of `veil incident report`.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Sort(Span<UInt128> values)
    {
        while (values.Length > 24)
        {
            // Median of three as pivot, Hoare partition; recurse into the smaller side, loop on the larger.
            int last = values.Length - 1, mid = values.Length / 2;
            if (values[mid] < values[0]) (values[mid], values[0]) = (values[0], values[mid]);
            if (values[last] < values[0]) (values[last], values[0]) = (values[0], values[last]);
            if (values[last] < values[mid]) (values[last], values[mid]) = (values[mid], values[last]);
            var pivot = values[mid];
            int i = -1, j = values.Length;
            while (true)
            {
                do i++;
                while (values[i] < pivot);
                do j--;
                while (values[j] > pivot);
                if (i >= j) break;
                (values[i], values[j]) = (values[j], values[i]);
            }
            if (j + 1 < values.Length - j - 1)
            {
                Sort(values[..(j + 1)]);
                values = values[(j + 1)..];
            }
            else
            {
                Sort(values[(j + 1)..]);
                values = values[..(j + 1)];
            }
        }
        for (var i = 1; i < values.Length; i++)
        {
            var value = values[i];
            var k = i - 1;
            while (k >= 0 && values[k] > value)
            {
                values[k + 1] = values[k];
                k--;
            }
            values[k + 1] = value;
        }
    }

    private sealed class ProjectPart
    {
        public List<UInt128> Values { get; } = [];
        public long Rows { get; set; }
        public long Accesses { get; set; }
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
