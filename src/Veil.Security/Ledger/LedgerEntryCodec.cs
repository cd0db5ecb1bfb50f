using System.Buffers;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Veil.Security.Ledger;

/// <summary>
/// The canonical bytes of a ledger entry: compact JSON with a fixed field order. These exact bytes are stored and
/// hashed into the Merkle leaf, so the encoder must never change for version 1.
/// </summary>
public static class LedgerEntryCodec
{
    /// <summary>Every canonical entry starts with this, followed by the index and a comma.</summary>
    public static ReadOnlySpan<byte> Prefix => "{\"v\":1,\"index\":"u8;

    /// <summary>The canonical bytes of <paramref name="entry"/>.</summary>
    public static byte[] Encode(LedgerEntry entry)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            var r = entry.Record;
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteNumber("index", entry.Index);
            w.WriteNumber("time", entry.Time.ToUnixTimeMilliseconds());
            w.WriteString("principal", r.Principal);
            w.WriteString("credential", r.Credential);
            w.WriteStartArray("scopes");
            foreach (var scope in r.Scopes) w.WriteStringValue(scope);
            w.WriteEndArray();
            w.WriteString("mfa", r.MfaLevel);
            if (r.StepUpAge is { } age) w.WriteNumber("stepUpAgeSeconds", (long)age.TotalSeconds);
            else w.WriteNull("stepUpAgeSeconds");
            w.WriteString("ip", r.ClientIp.ToString());
            w.WriteString("action", r.Action);
            if (r.Project is { } project) w.WriteNumber("project", project);
            else w.WriteNull("project");
            w.WriteString("query", r.Query);
            w.WriteStartArray("fields");
            foreach (var field in r.Fields)
            {
                w.WriteStartObject();
                w.WriteString("name", field.Name);
                w.WriteString("class", ClassName(field.Classification));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("rows", r.Rows);
            w.WriteStartObject("subjects");
            w.WriteNumber("count", r.Subjects.Count);
            w.WriteString("sha256", Convert.ToHexStringLower(r.Subjects.Commitment()));
            w.WriteBase64String("delta", r.Subjects.Encode());
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses canonical bytes; throws <see cref="FormatException"/> when they are not a valid entry. With
    /// <paramref name="checkCommitment"/> false the subject commitment is not recomputed (callers that already checked the
    /// leaf hash against the tree know the bytes are the ones written).
    /// </summary>
    public static LedgerEntry Decode(ReadOnlySpan<byte> bytes, bool checkCommitment = true)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            Expect(ref reader, JsonTokenType.StartObject);
            if (Number(ref reader, "v") != 1) throw new FormatException("Unknown ledger entry version.");
            var index = Number(ref reader, "index");
            var time = Number(ref reader, "time");
            var principal = Text(ref reader, "principal");
            var credential = Text(ref reader, "credential");
            Name(ref reader, "scopes");
            Expect(ref reader, JsonTokenType.StartArray);
            var scopes = new List<string>();
            while (Next(ref reader) == JsonTokenType.String) scopes.Add(reader.GetString()!);
            var mfa = Text(ref reader, "mfa");
            Name(ref reader, "stepUpAgeSeconds");
            TimeSpan? stepUp = Next(ref reader) == JsonTokenType.Null ? null : TimeSpan.FromSeconds(reader.GetInt64());
            var ip = IPAddress.Parse(Text(ref reader, "ip"));
            var action = Text(ref reader, "action");
            Name(ref reader, "project");
            int? project = Next(ref reader) == JsonTokenType.Null ? null : reader.GetInt32();
            var query = Text(ref reader, "query");
            Name(ref reader, "fields");
            Expect(ref reader, JsonTokenType.StartArray);
            var fields = new List<LedgerField>();
            while (Next(ref reader) == JsonTokenType.StartObject)
            {
                var name = Text(ref reader, "name");
                var classification = ParseClass(Text(ref reader, "class"));
                Expect(ref reader, JsonTokenType.EndObject);
                fields.Add(new LedgerField(name, classification));
            }
            var rows = Number(ref reader, "rows");
            Name(ref reader, "subjects");
            Expect(ref reader, JsonTokenType.StartObject);
            var count = checked((int)Number(ref reader, "count"));
            var commitment = Text(ref reader, "sha256");
            Name(ref reader, "delta");
            Expect(ref reader, JsonTokenType.String);
            var set = SubjectSet.Decode(reader.GetBytesFromBase64(), count);
            Expect(ref reader, JsonTokenType.EndObject);
            Expect(ref reader, JsonTokenType.EndObject);
            if (reader.Read()) throw new FormatException("Trailing data after the entry.");
            if (checkCommitment && !Convert.ToHexStringLower(set.Commitment()).Equals(commitment, StringComparison.Ordinal))
            {
                throw new FormatException("The subject set does not match its commitment.");
            }
            var record = new AccessRecord
            {
                Principal = principal,
                Credential = credential,
                Scopes = scopes,
                MfaLevel = mfa,
                StepUpAge = stepUp,
                ClientIp = ip,
                Action = action,
                Project = project,
                Query = query,
                Fields = fields,
                Rows = rows,
                Subjects = set,
            };
            return new LedgerEntry(index, DateTimeOffset.FromUnixTimeMilliseconds(time), record);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or ArgumentException or OverflowException)
        {
            throw new FormatException("Not a valid ledger entry: " + ex.Message, ex);
        }
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

    private static void Name(ref Utf8JsonReader reader, string name)
    {
        Expect(ref reader, JsonTokenType.PropertyName);
        if (!reader.ValueTextEquals(name)) throw new FormatException($"Expected \"{name}\", found \"{reader.GetString()}\" (fields are in a fixed order).");
    }

    private static long Number(ref Utf8JsonReader reader, string name)
    {
        Name(ref reader, name);
        Expect(ref reader, JsonTokenType.Number);
        return reader.GetInt64();
    }

    private static string Text(ref Utf8JsonReader reader, string name)
    {
        Name(ref reader, name);
        Expect(ref reader, JsonTokenType.String);
        return reader.GetString()!;
    }

    /// <summary>The index a canonical entry declares, read from its fixed prefix without parsing the rest; -1 when absent.</summary>
    public static long DeclaredIndex(ReadOnlySpan<byte> bytes)
    {
        if (!bytes.StartsWith(Prefix)) return -1;
        var rest = bytes[Prefix.Length..];
        long value = 0;
        var digits = 0;
        while (digits < rest.Length && digits < 19 && rest[digits] is >= (byte)'0' and <= (byte)'9')
        {
            value = value * 10 + (rest[digits] - '0');
            digits++;
        }
        return digits > 0 && digits < rest.Length && rest[digits] == (byte)',' ? value : -1;
    }

    /// <summary>The wire name of a classification.</summary>
    public static string ClassName(DataClassification classification) => classification switch
    {
        DataClassification.Aggregate => "aggregate",
        DataClassification.Pseudonymous => "pseudonymous",
        DataClassification.VaultPii => "vault_pii",
        _ => throw new ArgumentOutOfRangeException(nameof(classification)),
    };

    private static DataClassification ParseClass(string? name) => name switch
    {
        "aggregate" => DataClassification.Aggregate,
        "pseudonymous" => DataClassification.Pseudonymous,
        "vault_pii" => DataClassification.VaultPii,
        _ => throw new FormatException($"Unknown classification \"{name}\"."),
    };

    /// <summary>The entry as readable text (it is JSON already).</summary>
    public static string ToText(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);
}
