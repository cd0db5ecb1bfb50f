using System.IO.Compression;
using System.Text;
using Veil.Ingest.Wire;

namespace Veil.Fuzz;

/// <summary>
/// Deterministic adversarial requests: case <c>i</c> of seed <c>s</c> is always the same bytes, so any failure can be
/// replayed with <c>--seed s</c> and its index. Families: random bytes, broken and mutated JSON (from SDK captures),
/// deep nesting, huge numbers, invalid UTF-8, duplicate keys, wrong types, oversized batches, broken carriers
/// (base64, percent-encoding, form syntax), lying Content-Encoding and gzip bombs.
/// </summary>
public sealed class FuzzGenerator(long seed, IReadOnlyList<string> seeds, string token = FuzzSeeds.Token, long nowMs = 1_790_000_100_000)
{
    private readonly string _timeMs = (nowMs - 60_000).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly string _timeSeconds = ((nowMs - 60_000) / 1000).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Every family, with its weight out of the sum (the costly oversized bodies and gzip bombs are rare).</summary>
    public static readonly (string Kind, int Weight)[] Kinds =
    [
        ("random-bytes", 80), ("truncated-json", 100), ("byte-mutation", 200), ("deep-nesting", 60), ("huge-numbers", 80),
        ("invalid-utf8", 80), ("duplicate-keys", 80), ("wrong-types", 120), ("oversized", 5), ("broken-carrier", 100),
        ("lying-encoding", 70), ("gzip-bomb", 2), ("hostile-values", 150),
    ];

    private static readonly int TotalWeight = Kinds.Sum(k => k.Weight);

    private static readonly string[] Queries =
    [
        "", "?verbose=1", "?strict=1", "?ip=1&verbose=1", "?img=1", "?callback=cb", "?strict=1&verbose=1", "?ip=1.2.3.4&_=1",
        "?data=", "?verbose=1&verbose=0", "?callback=%3Cscript%3E", "?ip=%FF", "?redirect=https%3A%2F%2Fx.example", "?test=1",
    ];

    private static readonly string[] Fragments =
    [
        "\"", "{", "}", "[", "]", ",", ":", "\\", "\\u", "\\ud800", "\\udc00\\ud800", "\\u0000", "1e999", "-1", "null", "true",
        "%", "%zz", "%00", "+", "=", "&data=", "\n", "\r\n", "\"time\":", "\"event\":", "\"properties\":", "\"$set\":",
        "\"token\":", "\"$insert_id\":", "{}", "[]", "'", ";", "`", "é", "😀", "\u2028", "\uFEFF",
    ];

    private static readonly byte[][] BadUtf8 =
    [
        [0xFF], [0xC3], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0x80], [0xF8, 0x88, 0x80, 0x80, 0x80],
        [0xEF, 0xBF, 0xBE], [0x00], [0xC2, 0x85], [0x1F, 0x8B],
    ];

    private static readonly string[] HugeNumbers =
    [
        "1e309", "-1e309", "1e-400", "99999999999999999999999999999999", "-0", "0.0000000000000000000000000001", "1.7976931348623157e308",
        "9223372036854775808", "-9223372036854775809", "1" + new string('0', 400), "123456789.123456789123456789", "4.9e-324", "1E+2147483648",
    ];

    private static readonly string[] WrongValues =
    [
        "null", "true", "1", "-1", "\"\"", "[]", "{}", "[1,2]", "{\"a\":1}", "\"yesterday\"", "\"undefined\"", "\"null\"", "0.5", "\"1790000000\"",
        "[[[[]]]]", "\"" + new string('x', 300) + "\"",
    ];

    // Values that are valid JSON and pass validation, so they travel on into the privacy pipeline and the WAL.
    private static readonly string[] HostileValues =
    [
        "\"\\ud800\"", "\"\\udc00x\\ud800\"", "\"a\\u0000b\"", "\"\\u202e\\u2028\\u0007\"", "\"😀😀\"", "\"alice@example.com\"",
        "\"4111 1111 1111 1111\"", "\"+1 (555) 010-9999\"", "\"10.1.2.3\"", "\"2001:db8::1\"", "\"https://x.example/p?email=a@b.c&token=x#frag\"",
        "\"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36\"", "{\"a\":{\"b\":{\"c\":1}}}", "[" + string.Join(",", Enumerable.Range(0, 255)) + "]",
        "\"" + new string('z', 200_000) + "\"", "\"" + string.Concat(Enumerable.Repeat("\\\"", 500)) + "\"", "-0.0", "1e308", "\"$device:\"", "\"\"",
        "{\"$set\":{\"x\":1}}", "\"javascript:alert(1)\"", "\"'; DROP TABLE events; --\"", "\"\\\\\\\\\"",
    ];

    private static readonly string[] HostileNames =
        ["p", "$email", "email", "$ip", "ip", "$current_url", "$referrer", "$os", "$name", "$phone", "utm_source", "gclid", "a.b", "😀", "\\u0000k", "$insert_id", "time", "$duration", "mp_lib"];

    private static readonly string[] TopLevelNames = ["event", "properties", "token", "time", "distinct_id", "$insert_id", "$token", "$distinct_id", "$set", "$add", "$union", "$unset", "$group_key", "$group_id", "$delete", "$time", "$ip"];

    private static readonly Lazy<byte[]> Bomb = new(() =>
    {
        // 64 MiB of '[' characters (or zeros) compress to about 64 KiB: far past the 10 MiB decoded limit.
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[1 << 20];
            Array.Fill(block, (byte)' ');
            block[0] = (byte)'[';
            for (var i = 0; i < 64; i++) gzip.Write(block);
        }
        return output.ToArray();
    });

    /// <summary>The case at <paramref name="index"/>.</summary>
    public FuzzCase Create(long index)
    {
        var random = new Random(HashCode.Combine(seed, index));
        var kind = PickKind(random);
        var seedJson = Seed(random);
        // Mostly the endpoint the seed was made for, so damage lands past the first checks; sometimes any.
        var profile = seedJson.Contains("\"$token\"", StringComparison.Ordinal) || seedJson.Contains("\"$distinct_id\"", StringComparison.Ordinal);
        var endpoint = random.Next(6) == 0 ? (MixpanelEndpoint)random.Next(4)
            : profile ? (seedJson.Contains("$group_key", StringComparison.Ordinal) ? MixpanelEndpoint.Groups : MixpanelEndpoint.Engage)
            : random.Next(2) == 0 ? MixpanelEndpoint.Track : MixpanelEndpoint.Import;
        var native = endpoint == MixpanelEndpoint.Import && random.Next(3) == 0;
        var query = Queries[random.Next(Queries.Length)];
        switch (kind)
        {
            case "random-bytes":
                {
                    var body = new byte[random.Next(0, random.Next(3) == 0 ? 4096 : 300)];
                    random.NextBytes(body);
                    string?[] types = [null, "application/json", "application/x-www-form-urlencoded", "text/plain", "application/x-ndjson"];
                    string?[] encodings = [null, null, null, "gzip", "deflate", "br", "zstd", "identity"];
                    return new FuzzCase(kind, endpoint, native, "POST", query, types[random.Next(types.Length)], encodings[random.Next(encodings.Length)], body);
                }
            case "broken-carrier":
                return BrokenCarrier(random, endpoint, native, query, seedJson);
            case "lying-encoding":
                {
                    var json = Encoding.UTF8.GetBytes(seedJson);
                    string[] encodings = ["gzip", "deflate", "br", "zstd", "gzip, gzip", "x-unknown", "GZIP"];
                    var body = random.Next(3) == 0 ? Gzip(json)[..Math.Max(10, random.Next(Gzip(json).Length))] : json;
                    return new FuzzCase(kind, endpoint, native, "POST", query, "application/json", encodings[random.Next(encodings.Length)], body);
                }
            case "gzip-bomb":
                return new FuzzCase(kind, endpoint, native, "POST", query, random.Next(2) == 0 ? "application/json" : "text/plain", random.Next(2) == 0 ? "gzip" : null, Bomb.Value);
            default:
                {
                    var json = JsonFor(kind, random, seedJson);
                    return Carry(kind, random, endpoint, native, query, json);
                }
        }
    }

    private static string PickKind(Random random)
    {
        var roll = random.Next(TotalWeight);
        foreach (var (kind, weight) in Kinds)
        {
            if (roll < weight) return kind;
            roll -= weight;
        }
        return Kinds[0].Kind;
    }

    private string Seed(Random random) => seeds[random.Next(seeds.Count)]
        .Replace(FuzzSeeds.Token, token, StringComparison.Ordinal)
        .Replace(FuzzSeeds.TimeMs, _timeMs, StringComparison.Ordinal)
        .Replace(FuzzSeeds.TimeSeconds, _timeSeconds, StringComparison.Ordinal);

    private byte[] JsonFor(string kind, Random random, string seedJson)
    {
        switch (kind)
        {
            case "truncated-json":
                {
                    var bytes = Encoding.UTF8.GetBytes(seedJson);
                    return bytes[..random.Next(bytes.Length + 1)];
                }
            case "byte-mutation":
                return Mutate(random, Encoding.UTF8.GetBytes(seedJson), 1 + random.Next(8));
            case "deep-nesting":
                {
                    var depth = random.Next(3) switch { 0 => 60 + random.Next(10), 1 => 100 + random.Next(1000), _ => 1000 + random.Next(20000) };
                    var (open, close) = random.Next(3) switch { 0 => ("[", "]"), 1 => ("{\"a\":", "}"), _ => ("[{\"a\":", "}]") };
                    var nested = new StringBuilder(depth * (open.Length + close.Length) + 8);
                    for (var i = 0; i < depth; i++) nested.Append(open);
                    nested.Append('1');
                    if (random.Next(4) != 0) for (var i = 0; i < depth; i++) nested.Append(close);
                    return Encoding.UTF8.GetBytes(random.Next(2) == 0 ? nested.ToString() : ReplaceValue(random, seedJson, nested.ToString()));
                }
            case "huge-numbers":
                {
                    var json = seedJson;
                    for (var n = 1 + random.Next(3); n > 0; n--) json = ReplaceValue(random, json, HugeNumbers[random.Next(HugeNumbers.Length)]);
                    return Encoding.UTF8.GetBytes(json);
                }
            case "invalid-utf8":
                {
                    var bytes = new List<byte>(Encoding.UTF8.GetBytes(seedJson));
                    for (var n = 1 + random.Next(4); n > 0; n--)
                    {
                        // Inside a string value where possible: right after a quote.
                        var at = random.Next(bytes.Count + 1);
                        var quote = bytes.IndexOf((byte)'"', Math.Min(at, bytes.Count));
                        bytes.InsertRange(quote >= 0 ? quote + 1 : at, BadUtf8[random.Next(BadUtf8.Length)]);
                    }
                    return [.. bytes];
                }
            case "duplicate-keys":
                {
                    var name = TopLevelNames[random.Next(TopLevelNames.Length)];
                    var value = random.Next(2) == 0 ? WrongValues[random.Next(WrongValues.Length)] : "\"" + token + "\"";
                    var json = seedJson;
                    for (var n = 1 + random.Next(3); n > 0; n--)
                    {
                        var brace = IndexOfNth(json, '{', random.Next(1, 4));
                        if (brace < 0) brace = json.IndexOf('{', StringComparison.Ordinal);
                        if (brace < 0) break;
                        json = json.Insert(brace + 1, $"\"{name}\":{value},");
                    }
                    // and the same key twice at the end of the first object
                    return Encoding.UTF8.GetBytes(json);
                }
            case "wrong-types":
                {
                    var json = seedJson;
                    for (var n = 1 + random.Next(3); n > 0; n--)
                    {
                        var name = TopLevelNames[random.Next(TopLevelNames.Length)];
                        json = ReplaceNamed(json, name, WrongValues[random.Next(WrongValues.Length)]);
                    }
                    return Encoding.UTF8.GetBytes(random.Next(5) == 0 ? WrongValues[random.Next(WrongValues.Length)] : json);
                }
            case "hostile-values":
                {
                    var json = seedJson;
                    for (var n = 1 + random.Next(4); n > 0; n--)
                    {
                        var anchor = json.IndexOf(random.Next(2) == 0 ? "\"properties\":{" : "\"$set\":{", StringComparison.Ordinal);
                        if (anchor < 0) anchor = json.IndexOf("\"properties\":{", StringComparison.Ordinal);
                        if (anchor < 0) break;
                        var at = json.IndexOf('{', anchor) + 1;
                        json = json.Insert(at, $"\"{HostileNames[random.Next(HostileNames.Length)]}\":{HostileValues[random.Next(HostileValues.Length)]},");
                    }
                    return Encoding.UTF8.GetBytes(json);
                }
            case "oversized":
                {
                    var item = seedJson.TrimStart().StartsWith('[') ? seedJson.Trim()[1..^1] : seedJson;
                    return random.Next(3) switch
                    {
                        // More items than a batch may hold.
                        0 => Encoding.UTF8.GetBytes("[" + string.Join(",", Enumerable.Repeat(item, 2001 + random.Next(100))) + "]"),
                        // A property value past 256 KiB.
                        1 => Encoding.UTF8.GetBytes(ReplaceValue(random, seedJson, "\"" + new string('v', 300_000) + "\"")),
                        // Hundreds of properties and keys.
                        _ => Encoding.UTF8.GetBytes(ReplaceValue(random, seedJson, "{" + string.Join(",", Enumerable.Range(0, 300 + random.Next(3000)).Select(i => $"\"k{i}\":{i}")) + "}")),
                    };
                }
            default:
                return Encoding.UTF8.GetBytes(seedJson);
        }
    }

    /// <summary>Wraps JSON the way an SDK would: JSON body, NDJSON, form <c>data=</c> base64, GET <c>?data=</c>, or gzip.</summary>
    private static FuzzCase Carry(string kind, Random random, MixpanelEndpoint endpoint, bool native, string query, byte[] json)
    {
        var carrier = native ? random.Next(2) * 4 : random.Next(5);
        switch (carrier)
        {
            case 1:
                {
                    var form = Encoding.ASCII.GetBytes("data=" + Uri.EscapeDataString(Convert.ToBase64String(json)));
                    return new FuzzCase(kind, endpoint, native, "POST", query, "application/x-www-form-urlencoded", null, form);
                }
            case 2:
                {
                    var data = Uri.EscapeDataString(Convert.ToBase64String(json));
                    // Query strings past ~2 MiB are refused by Kestrel before Veil sees them; keep GETs below that.
                    if (data.Length > 1_000_000) goto default;
                    return new FuzzCase(kind, endpoint, native, "GET", (query.Length == 0 ? "?" : query + "&") + "data=" + data, null, null, []);
                }
            case 3:
                return new FuzzCase(kind, endpoint, native, "POST", query, "text/plain", random.Next(2) == 0 ? "gzip" : null, Gzip(json));
            case 4:
                return new FuzzCase(kind, endpoint, native, "POST", query, "application/x-ndjson", null, json);
            default:
                return new FuzzCase(kind, endpoint, native, "POST", query, "application/json", null, json);
        }
    }

    private static FuzzCase BrokenCarrier(Random random, MixpanelEndpoint endpoint, bool native, string query, string seedJson)
    {
        var json = Encoding.UTF8.GetBytes(seedJson);
        var base64 = Convert.ToBase64String(json);
        var variant = random.Next(8);
        var form = variant switch
        {
            0 => "data=" + base64[..random.Next(base64.Length + 1)],                      // truncated base64
            1 => "data=" + base64.Insert(random.Next(base64.Length + 1), "!*#"),           // characters outside the alphabet
            2 => "data=" + Uri.EscapeDataString(base64) + "&data=" + Uri.EscapeDataString(base64), // data twice
            3 => "data=" + Uri.EscapeDataString(base64).Replace("%", "%Z", StringComparison.Ordinal), // broken percent-escapes
            4 => "data",                                                                   // no value
            5 => "=&&&=data=" + base64,
            6 => "data=" + Uri.EscapeDataString(Convert.ToBase64String(Mutate(random, json, 3))),
            _ => "data=" + new string('A', 1 + random.Next(5000)),
        };
        if (random.Next(3) == 0)
        {
            var data = form.StartsWith("data=", StringComparison.Ordinal) ? form[5..] : form;
            return new FuzzCase("broken-carrier", endpoint, native, "GET", (query.Length == 0 ? "?" : query + "&") + "data=" + data, null, null, []);
        }
        return new FuzzCase("broken-carrier", endpoint, native, "POST", query, "application/x-www-form-urlencoded", null, Encoding.ASCII.GetBytes(form));
    }

    private static byte[] Mutate(Random random, byte[] input, int mutations)
    {
        var bytes = new List<byte>(input);
        for (var m = 0; m < mutations; m++)
        {
            var at = random.Next(bytes.Count + 1);
            switch (random.Next(6))
            {
                case 0:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Fragments[random.Next(Fragments.Length)]));
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 40), bytes.Count - at));
                    break;
                case 2:
                    if (at < bytes.Count) bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 3:
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(random.Next(1, 60), bytes.Count - at)));
                    break;
                case 4:
                    if (at < bytes.Count) bytes[at] = (byte)random.Next(256);
                    break;
                default:
                    bytes.InsertRange(at, BadUtf8[random.Next(BadUtf8.Length)]);
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Replaces the value after a random <c>:</c> (a property value, roughly) with <paramref name="value"/>.</summary>
    private static string ReplaceValue(Random random, string json, string value)
    {
        var colons = 0;
        foreach (var c in json) if (c == ':') colons++;
        if (colons == 0) return json;
        var at = IndexOfNth(json, ':', 1 + random.Next(colons));
        var end = at + 1;
        // Skip a simple scalar (string or number); a nested value is left in place after the new one, which only adds damage.
        if (end < json.Length && json[end] == '"')
        {
            end++;
            while (end < json.Length && json[end] != '"') end += json[end] == '\\' ? 2 : 1;
            end = Math.Min(end + 1, json.Length);
        }
        else
        {
            while (end < json.Length && (char.IsAsciiDigit(json[end]) || json[end] is '-' or '.' or 'e' or 'E' or '+')) end++;
        }
        return json[..(at + 1)] + value + json[end..];
    }

    private static string ReplaceNamed(string json, string name, string value)
    {
        var key = "\"" + name + "\":";
        var at = json.IndexOf(key, StringComparison.Ordinal);
        if (at < 0) return json.Length > 1 && json[0] == '{' ? "{" + key + value + "," + json[1..] : json;
        var start = at + key.Length;
        var end = start;
        var depth = 0;
        var inString = false;
        for (; end < json.Length; end++)
        {
            var c = json[end];
            if (inString)
            {
                if (c == '\\') end++;
                else if (c == '"') inString = false;
                continue;
            }
            if (c == '"') inString = true;
            else if (c is '{' or '[') depth++;
            else if (c is '}' or ']')
            {
                if (depth == 0) break;
                depth--;
            }
            else if (c == ',' && depth == 0) break;
        }
        return json[..start] + value + json[Math.Min(end, json.Length)..];
    }

    private static int IndexOfNth(string text, char c, int n)
    {
        for (var i = 0; i < text.Length; i++)
            if (text[i] == c && --n == 0) return i;
        return -1;
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(data);
        return output.ToArray();
    }
}
