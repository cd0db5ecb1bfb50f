using System.Text;
using System.Text.Json;
using CsCheck;
using Veil.Ingest.Wire;

namespace Veil.Ingest.Tests.Wire;

/// <summary>
/// Random and mutated input never makes decoding, validation or reply formatting throw, and whatever is accepted
/// can be read in full (names, strings, lookups) without throwing either.
/// </summary>
public sealed class MixpanelWireFuzzTests
{
    private const long Now = 1_795_908_983_000;

    private static readonly string?[] ContentTypes =
        [null, "application/json", "application/x-ndjson", TestRequests.Form, "text/plain;charset=UTF-8", "application/octet-stream"];

    private static readonly string?[] Encodings = [null, null, null, "gzip", "deflate", "br", "identity", "zstd"];

    private static readonly string[] Queries =
    [
        "", "?verbose=1", "?ip=1&verbose=1&_=1795908983041", "?strict=1", "?callback=f&img=1", "?data=", "?data=eyJ",
        "?ip=1.2.3.4", "?project_id=12", "?callback=%3Cx", "?data=%7B%7D", "?data=W10", "?verbose=1&strict=1&callback=mixpanel._jsc%5B1%5D",
    ];

    private static readonly byte[][] Fragments =
    [
        .. new[]
        {
            "\\ud800", "\\udc00", "%", "%2", "%FF", "%7B", "+", "=", "==", "\n", "\r\n", "{", "}", "[", "]", "\"", "\\", ",", ":", "&",
            "data=", "\"\\u0000\"", "1e999", "-1", "null", "true", "\"time\":", "\"$insert_id\":", "\"token\":", "\"event\":",
            "\"properties\":", "{}", "[]", "\"$set\":", "\"$token\":", "\"distinct_id\":", "eyJ", "W3s", " ", "'", ";", "`",
        }.Select(Encoding.UTF8.GetBytes),
        [0x1f, 0x8b], [0xFF], [0xC3], [0xEF, 0xBB, 0xBF], [0xC2, 0x85], [0],
    ];

    private static readonly byte[][] Seeds = BuildSeeds();

    private static byte[][] BuildSeeds()
    {
        var seeds = new List<byte[]>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "Wire", "Captures"), "mixpanel-*.jsonl"))
        {
            foreach (var capture in CapturedRequest.Load(Path.GetFileName(file)))
            {
                if (capture.Body.Length > 0) seeds.Add(Encoding.UTF8.GetBytes(capture.Body));
                if (capture.RawParameter("data") is { } data) seeds.Add(Encoding.UTF8.GetBytes("data=" + data));
            }
        }
        var events = "[" + TestRequests.Event("A", Now / 1000, "\"o\":{\"l\":[1,\"x\"]}") + "," + TestRequests.Event("B", Now / 1000) + "]";
        seeds.Add(Encoding.UTF8.GetBytes(events));
        seeds.Add(Encoding.UTF8.GetBytes(TestRequests.Event("A", Now / 1000) + "\n" + TestRequests.Event("B", Now / 1000) + "\n"));
        seeds.Add(Encoding.UTF8.GetBytes("""[{"$token":"T","$distinct_id":"u","$union":{"l":["a"]}},{"$token":"T","$group_key":"k","$group_id":1,"$unset":["a"]}]"""));
        seeds.Add(TestRequests.Gzip(events));
        return [.. seeds];
    }

    private static int s_accepted;

    private static void Exercise(MixpanelEndpoint endpoint, WireRequest request)
    {
        using var decoded = MixpanelWire.Decode(endpoint, request);
        if (!decoded.Succeeded)
        {
            Assert.True(decoded.StatusCode is 400 or 413, $"status {decoded.StatusCode}");
            Assert.False(string.IsNullOrWhiteSpace(decoded.ErrorMessage));
            _ = MixpanelResponses.ForDecodeFailure(decoded);
            return;
        }
        if (endpoint is MixpanelEndpoint.Track or MixpanelEndpoint.Import)
        {
            var batch = MixpanelEventValidator.ValidateAll(decoded, Now);
            Assert.Equal(decoded.ItemCount, batch.Events.Count + batch.Errors.Count + batch.Skipped);
            foreach (var ev in batch.Events) ReadEverything(ev.Properties);
            Interlocked.Add(ref s_accepted, batch.Events.Count);
            _ = MixpanelResponses.ForEvents(decoded, batch);
        }
        else
        {
            var batch = MixpanelProfileValidator.ValidateAll(decoded);
            Assert.Equal(decoded.ItemCount, batch.Operations.Count + batch.Errors.Count);
            foreach (var op in batch.Operations) ReadEverything(op.Value);
            Interlocked.Add(ref s_accepted, batch.Operations.Count);
            _ = MixpanelResponses.ForProfiles(decoded, batch);
        }
    }

    // What the privacy pipeline will do with accepted JSON: none of it may throw.
    private static void ReadEverything(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    Assert.True(element.TryGetProperty(property.Name, out _));
                    ReadEverything(property.Value);
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) ReadEverything(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Number:
                _ = element.GetDouble();
                break;
        }
        _ = element.GetRawText();
    }

    private static WireRequest Request(int query, int contentType, int encoding, byte[] body)
    {
        var coding = Encodings[encoding];
        var bytes = coding == "gzip" && body.Length % 2 == 0 ? TestRequests.Gzip(body) : body;
        return new WireRequest("POST", "/track", Queries[query], ContentTypes[contentType], coding, bytes);
    }

    [Fact]
    public void Random_bytes_never_throw() =>
        Gen.Select(Gen.Enum<MixpanelEndpoint>(), Gen.Int[0, Queries.Length - 1], Gen.Int[0, ContentTypes.Length - 1], Gen.Int[0, Encodings.Length - 1], Gen.Byte.Array[0, 600])
            .Sample((endpoint, query, contentType, encoding, body) => Exercise(endpoint, Request(query, contentType, encoding, body)), iter: 3000);

    [Fact]
    public void Mutated_valid_payloads_never_throw()
    {
        var mutation = Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int[0, Fragments.Length - 1], Gen.Int[1, 40]);
        Gen.Select(Gen.Enum<MixpanelEndpoint>(), Gen.Int[0, Seeds.Length - 1], mutation.Array[1, 8], Gen.Int[0, Queries.Length - 1], Gen.Int[0, ContentTypes.Length - 1])
            .Sample((endpoint, seed, mutations, query, contentType) =>
            {
                var body = new List<byte>(Seeds[seed]);
                foreach (var (kind, position, fragment, length) in mutations)
                {
                    var at = body.Count == 0 ? 0 : position % body.Count;
                    switch (kind)
                    {
                        case 0:
                            body.InsertRange(at, Fragments[fragment]);
                            break;
                        case 1:
                            body.RemoveRange(at, Math.Min(length, body.Count - at));
                            break;
                        case 2:
                            if (body.Count > 0) body[at] = (byte)(position >> 8);
                            break;
                        default:
                            body.InsertRange(at, body.GetRange(at, Math.Min(length, body.Count - at)));
                            break;
                    }
                }
                Exercise(endpoint, new WireRequest("POST", "/track", Queries[query], ContentTypes[contentType], null, body.ToArray()));
            }, iter: 3000);
    }

    [Fact]
    public void Random_json_events_and_profile_updates_never_throw()
    {
        var before = Volatile.Read(ref s_accepted);
        Gen.Select(Gen.Int, Gen.Int[1, 6], Gen.Int[0, 2])
            .Sample((seed, count, carrier) =>
            {
                var random = new Random(seed);
                var items = Enumerable.Range(0, count).Select(_ => random.Next(2) == 0 ? RandomEvent(random) : RandomProfileUpdate(random)).ToList();
                var json = carrier == 1 ? string.Join("\n", items) : "[" + string.Join(",", items) + "]";
                var request = carrier == 2
                    ? TestRequests.Post("/track", "?verbose=1", TestRequests.Form, "data=" + TestRequests.Base64(json))
                    : TestRequests.Post("/track", "", carrier == 1 ? "application/x-ndjson" : "application/json", json);
                foreach (var endpoint in Enum.GetValues<MixpanelEndpoint>()) Exercise(endpoint, request);
            }, iter: 2000);
        // The generator must reach the accept path, or the "accepted JSON is safe to read" check proves nothing.
        Assert.True(Volatile.Read(ref s_accepted) - before > 100, $"only {Volatile.Read(ref s_accepted) - before} items accepted");
    }

    private static readonly string[] Names =
        ["token", "time", "distinct_id", "$insert_id", "a", "a", "b'c", "\\ud800", "\\u0061", "", "x;y", "t\\u0069me", "$set", "$add", "$union",
         "$unset", "$delete", "$token", "$distinct_id", "$group_key", "$group_id", "$time", "$ip", "$latitude", "$frob", "\\u0000", "é"];

    private static readonly string[] Scalars =
        ["0", "-1", "1e999", "1795908982.5", "1704164645000", "-0.0", "12345678901234567890", "true", "false", "null",
         "\"x\"", "\"\\ud800\"", "\"\\udc00\\ud800\"", "\"yesterday\"", "\"\\u0000\"", "\"TOKEN123\"", "\"abc-123\"", "\"1.2.3.4\"", "\"\"", "\"\\\\ud800\""];

    private static string RandomValue(Random random, int depth) => random.Next(depth > 4 ? 1 : 4) switch
    {
        0 or 1 => Scalars[random.Next(Scalars.Length)],
        2 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(random, depth + 1))) + "]",
        _ => RandomObject(random, depth + 1),
    };

    private static string RandomObject(Random random, int depth) =>
        "{" + string.Join(",", Enumerable.Range(0, random.Next(5)).Select(_ => $"\"{Names[random.Next(Names.Length)]}\":{RandomValue(random, depth)}")) + "}";

    private static string RandomEvent(Random random) => random.Next(6) switch
    {
        0 => RandomValue(random, 0),
        1 => RandomObject(random, 0),
        _ => $"{{\"event\":{(random.Next(3) == 0 ? RandomValue(random, 3) : "\"E\"")},\"properties\":{{\"token\":\"T\",\"time\":1795908982,\"distinct_id\":\"u\"{RandomObject(random, 0)[1..^1].Insert(0, ",").TrimEnd(',')}}}}}",
    };

    private static string RandomProfileUpdate(Random random) =>
        $"{{\"$token\":\"T\",\"$distinct_id\":{Scalars[random.Next(Scalars.Length)]},\"$group_key\":\"k\",\"$group_id\":\"g\"," +
        $"\"{Names[random.Next(12, 17)]}\":{RandomValue(random, 0)},\"$time\":{Scalars[random.Next(Scalars.Length)]}}}";
}
