using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Xunit.Abstractions;

namespace Veil.Tests.Http;

/// <summary>
/// Random mutations of valid requests, over real HTTP, to every Mixpanel endpoint: whatever arrives, the answer is
/// never a 5xx, and every 4xx says why (promise 5). Afterwards the server still takes a good request.
/// </summary>
public sealed class MutationFuzzTests(ServerFixture veil, ITestOutputHelper output) : IClassFixture<ServerFixture>
{
    private const int Iterations = 300;

    private static readonly string[] Queries =
        ["", "?verbose=1", "?strict=1", "?ip=1&verbose=1", "?img=1", "?callback=cb", "?strict=1&verbose=1", "?ip=1.2.3.4&_=1"];

    // Pieces that land on parser edges: structure, escapes, bad UTF-8, numbers out of range, form syntax, gzip magic.
    private static readonly byte[][] Fragments =
    [
        .. new[]
        {
            "\"", "{", "}", "[", "]", ",", ":", "\\", "\\u", "\\ud800", "\\u0000", "1e999", "-1", "1e20", "null", "true", "\"\"",
            "%", "%zz", "%00", "+", "=", "&data=", "&strict=1", "\n", "\r\n", "\"time\":\"yesterday\"", "\"event\":null",
            "\"$insert_id\":\"" + new string('x', 40) + "\"", "\"distinct_id\":{}", "\"distinct_id\":\"undefined\"", "{\"$set\":1}",
            "\"token\":\"no-such-token-42\"", "\"a'; DROP TABLE events;--\":1", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
            "\"$group_key\":null", "\"$delete\":\"\"", "\"$unset\":\"x\"", "\"$ignore\":true", "\u00e9", "\ud83d\ude00",
        }.Select(Encoding.UTF8.GetBytes),
        [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0x00], [0x1F, 0x8B], [0x1F, 0x8B, 0x08, 0x00],
    ];

    /// <summary>One mutation: kind, where (scaled to the length), which fragment, how many bytes.</summary>
    private sealed record Mutation(int Kind, int Position, int Fragment, int Length);

    // JsonNode cannot hold an unpaired surrogate; this stands in for one until the JSON is text.
    private const string LoneSurrogate = "LONE-SURROGATE-PLACEHOLDER";

    // Values a JSON-tree mutation puts in place of a property's value: wrong kinds, edges of the limits, PII, bad text.
    private static readonly string[] Values =
    [
        "null", "\"\"", "-1", "0", "1e20", "1e-300", "true", "{}", "[]", "\"yesterday\"", "\"undefined\"", "\"a\\u0000b\"",
        "\"" + LoneSurrogate + "\"", "[[[[1]]]]", "{\"a\":{\"b\":{\"c\":{\"d\":1}}}}", "\"" + new string('x', 300) + "\"",
        "\"alice@example.com\"", "\"4111 1111 1111 1111\"", "\"10.1.2.3\"", "\"https://x.example/p?email=a@b.c\"",
        "[" + string.Join(",", Enumerable.Range(0, 300)) + "]", "1795000000.123", "\"1795000000123\"",
    ];

    /// <summary>
    /// One request to send: how the JSON is carried; what the mutations hit (0: the JSON tree, keeping it JSON, so the
    /// validators see it; 1: the JSON text; 2: the encoded body); the query.
    /// </summary>
    private sealed record Mutant(int Carrier, Mutation[] Mutations, int Target, int Query, bool WithContentEncoding);

    private static readonly Gen<Mutant> Mutants =
        Gen.Select(
            Gen.Int[0, 3],
            Gen.Select(Gen.Int[0, 5], Gen.Int[0, int.MaxValue], Gen.Int[0, Fragments.Length - 1], Gen.Int[1, 40])
                .Select((kind, position, fragment, length) => new Mutation(kind, position, fragment, length)).Array[1, 4],
            Gen.Int[0, 2],
            Gen.Int[0, Queries.Length - 1],
            Gen.Bool)
        .Select((carrier, mutations, target, query, encoding) => new Mutant(carrier, mutations, target, query, encoding));

    [Theory]
    [InlineData("track")]
    [InlineData("import")]
    [InlineData("engage")]
    [InlineData("groups")]
    public async Task Mutated_requests_never_get_a_5xx(string endpoint)
    {
        var seed = Encoding.UTF8.GetBytes(Seed(endpoint));
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        await Mutants.SampleAsync(async mutant =>
        {
            var reply = await veil.Client.SendForReplyAsync(Build(endpoint, seed, mutant));
            statuses.AddOrUpdate(reply.Status, 1, (_, n) => n + 1);
            Assert.True(reply.Status < 500, $"{reply.Status} for a mutant of /{endpoint}: {reply.Reason}");
            if (reply.Status >= 400) reply.AssertRefused();
        }, iter: Iterations);
        output.WriteLine($"/{endpoint}: " + string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Value}x {s.Key}")));

        // The mutations reach past the decoder: some requests are still accepted, some refused.
        Assert.True(statuses.Keys.Any(s => s == 200), $"/{endpoint}: {string.Join(", ", statuses)}");
        Assert.True(statuses.Keys.Any(s => s >= 400), $"/{endpoint}: {string.Join(", ", statuses)}");

        var good = await veil.Client.SendForReplyAsync(Build(endpoint, seed, new Mutant(0, [], 2, 1, false)));
        Assert.Equal(200, good.Status);
    }

    private string Seed(string endpoint)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60;
        return endpoint switch
        {
            "track" => $$$"""[{"event":"Fuzzed","properties":{"token":"{{{veil.Token}}}","distinct_id":"fuzz-user","time":{{{now}}}.5,"$insert_id":"abc123","$current_url":"https://x.example/a?b=c","plan":"pro","n":[1,2,{"k":"v"}]}},{"event":"Fuzzed 2","properties":{"token":"{{{veil.Token}}}","time":{{{now * 1000}}}}}]""",
            "import" => $$$"""[{"event":"Fuzzed","properties":{"distinct_id":"fuzz-user","time":{{{now}}},"$insert_id":"abc123","plan":"pro"}},{"event":"Fuzzed 2","properties":{"distinct_id":"","time":"{{{now * 1000}}}","$insert_id":"abc124"}}]""",
            "engage" => $$$"""[{"$token":"{{{veil.Token}}}","$distinct_id":"fuzz-user","$set":{"plan":"pro","$email":"a@b.example"}},{"$token":"{{{veil.Token}}}","$distinct_id":"fuzz-user","$add":{"logins":1}},{"$token":"{{{veil.Token}}}","$distinct_id":"fuzz-user","$unset":["plan"]}]""",
            "groups" => $$$"""[{"$token":"{{{veil.Token}}}","$group_key":"company","$group_id":"Acme","$set":{"industry":"widgets"}},{"$token":"{{{veil.Token}}}","$group_key":"company","$group_id":"Acme","$delete":""}]""",
            _ => throw new ArgumentOutOfRangeException(nameof(endpoint)),
        };
    }

    private HttpRequestMessage Build(string endpoint, byte[] seed, Mutant mutant)
    {
        var afterEncoding = mutant.Target == 2;
        var json = mutant.Target switch
        {
            0 => MutateTree(seed, mutant.Mutations),
            1 => Mutate(seed, mutant.Mutations),
            _ => seed,
        };
        var query = Queries[mutant.Query];
        HttpRequestMessage request;
        switch (mutant.Carrier)
        {
            case 0: // JSON body
                {
                    var body = afterEncoding ? Mutate(json, mutant.Mutations) : json;
                    request = VeilHttp.Request(HttpMethod.Post, $"/{endpoint}{query}", body, VeilHttp.Json);
                    break;
                }
            case 1: // form data=base64, as the browser SDK posts it
                {
                    var form = Encoding.ASCII.GetBytes("data=" + Uri.EscapeDataString(Convert.ToBase64String(json)));
                    request = VeilHttp.Request(HttpMethod.Post, $"/{endpoint}{query}", afterEncoding ? Mutate(form, mutant.Mutations) : form, VeilHttp.Form);
                    break;
                }
            case 2: // GET ?data=base64, as the Node SDK sends single items
                {
                    var data = Encoding.ASCII.GetBytes(Convert.ToBase64String(json));
                    if (afterEncoding) data = Mutate(data, mutant.Mutations);
                    var separator = query.Length == 0 ? "?" : "&";
                    request = new HttpRequestMessage(HttpMethod.Get, $"/{endpoint}{query}{separator}data={PercentEncode(data)}");
                    break;
                }
            default: // gzip, flagged or sniffed
                {
                    var gzip = Payloads.Gzip(json);
                    if (afterEncoding) gzip = Mutate(gzip, mutant.Mutations);
                    request = VeilHttp.Request(HttpMethod.Post, $"/{endpoint}{query}", gzip, "text/plain", mutant.WithContentEncoding ? "gzip" : null);
                    break;
                }
        }
        // /import needs credentials to get past authentication to the validator.
        return endpoint == "import" ? request.WithBasic(veil.Secret) : request;
    }

    /// <summary>Edits the parsed JSON: replaces a value, removes a property, renames one with a fragment, or wraps a value in a list.</summary>
    private static byte[] MutateTree(byte[] input, Mutation[] mutations)
    {
        var root = JsonNode.Parse(input)!;
        foreach (var m in mutations)
        {
            var slots = new List<(JsonNode Parent, string? Key, int Index)>();
            Collect(root, slots);
            if (slots.Count == 0) break;
            var (parent, key, index) = slots[m.Position % slots.Count];
            var current = key is null ? parent[index] : parent[key];
            JsonNode? replacement = m.Kind switch
            {
                0 or 1 => JsonNode.Parse(Values[m.Fragment % Values.Length]),
                2 => new JsonArray(current?.DeepClone()),
                _ => current?.DeepClone(),
            };
            if (parent is JsonObject obj && key is not null)
            {
                obj.Remove(key);
                // Kind 3+: the same value under a name with a fragment spliced in (quotes, ;, control characters, …).
                if (m.Kind == 1) continue;
                var name = m.Kind >= 3 ? key.Insert(m.Length % (key.Length + 1), Encoding.UTF8.GetString(Fragments[m.Fragment])) : key;
                obj[name] = replacement;
            }
            else if (parent is JsonArray array)
            {
                array[index] = replacement;
            }
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString(Payloads.AsBrowsersWrite).Replace(LoneSurrogate, "\\ud800", StringComparison.Ordinal));
    }

    private static void Collect(JsonNode node, List<(JsonNode Parent, string? Key, int Index)> slots)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.ToList())
            {
                slots.Add((obj, key, -1));
                if (value is not null) Collect(value, slots);
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                slots.Add((array, null, i));
                if (array[i] is { } item) Collect(item, slots);
            }
        }
    }

    private static byte[] Mutate(byte[] input, Mutation[] mutations)
    {
        var bytes = new List<byte>(input);
        foreach (var m in mutations)
        {
            var at = bytes.Count == 0 ? 0 : m.Position % (bytes.Count + 1);
            var fragment = Fragments[m.Fragment];
            switch (m.Kind)
            {
                case 0: // overwrite with a fragment
                    bytes.RemoveRange(at, Math.Min(fragment.Length, bytes.Count - at));
                    bytes.InsertRange(at, fragment);
                    break;
                case 1: // delete a range
                    bytes.RemoveRange(at, Math.Min(m.Length, bytes.Count - at));
                    break;
                case 2: // insert a fragment
                    bytes.InsertRange(at, fragment);
                    break;
                case 3: // duplicate a range
                    bytes.InsertRange(at, bytes.GetRange(at, Math.Min(m.Length, bytes.Count - at)));
                    break;
                case 4: // truncate
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                default: // flip a bit
                    if (at < bytes.Count) bytes[at] ^= (byte)(1 << (m.Length % 8));
                    break;
            }
        }
        return [.. bytes];
    }

    /// <summary>Every byte outside the unreserved set as %XX, so any bytes fit in a URL.</summary>
    private static string PercentEncode(byte[] data)
    {
        var text = new StringBuilder(data.Length * 3);
        foreach (var b in data)
        {
            if (b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~') text.Append((char)b);
            else text.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }
}
