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

    /// <summary>Parses canonical bytes; throws <see cref="FormatException"/> when they are not a valid entry.</summary>
    public static LedgerEntry Decode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            var reader = new Utf8JsonReader(bytes);
            using var doc = JsonDocument.ParseValue(ref reader);
            var e = doc.RootElement;
            if (e.GetProperty("v").GetInt32() != 1) throw new FormatException("Unknown ledger entry version.");
            var subjects = e.GetProperty("subjects");
            var set = SubjectSet.Decode(subjects.GetProperty("delta").GetBytesFromBase64(), subjects.GetProperty("count").GetInt32());
            if (!Convert.ToHexStringLower(set.Commitment()).Equals(subjects.GetProperty("sha256").GetString(), StringComparison.Ordinal))
            {
                throw new FormatException("The subject set does not match its commitment.");
            }
            var record = new AccessRecord
            {
                Principal = e.GetProperty("principal").GetString()!,
                Credential = e.GetProperty("credential").GetString()!,
                Scopes = [.. e.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!)],
                MfaLevel = e.GetProperty("mfa").GetString()!,
                StepUpAge = e.GetProperty("stepUpAgeSeconds").ValueKind == JsonValueKind.Null ? null : TimeSpan.FromSeconds(e.GetProperty("stepUpAgeSeconds").GetInt64()),
                ClientIp = IPAddress.Parse(e.GetProperty("ip").GetString()!),
                Action = e.GetProperty("action").GetString()!,
                Project = e.GetProperty("project").ValueKind == JsonValueKind.Null ? null : e.GetProperty("project").GetInt32(),
                Query = e.GetProperty("query").GetString()!,
                Fields = [.. e.GetProperty("fields").EnumerateArray().Select(f => new LedgerField(f.GetProperty("name").GetString()!, ParseClass(f.GetProperty("class").GetString())))],
                Rows = e.GetProperty("rows").GetInt64(),
                Subjects = set,
            };
            return new LedgerEntry(e.GetProperty("index").GetInt64(), DateTimeOffset.FromUnixTimeMilliseconds(e.GetProperty("time").GetInt64()), record);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException("Not a valid ledger entry: " + ex.Message, ex);
        }
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
