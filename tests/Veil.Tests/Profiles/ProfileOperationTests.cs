using System.Net;
using System.Text.Json.Nodes;
using CsCheck;
using Veil.Tests.Http;
using static Veil.Tests.Profiles.ProfileReferenceModel;

namespace Veil.Tests.Profiles;

/// <summary>
/// Profile operators through the real /engage endpoint, WAL and store, read back through the profile API, against a tiny
/// reference model; plus Mixpanel's documented examples and bad input.
/// </summary>
public sealed class ProfileOperationTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    private static readonly string[] Properties = ["plan", "n", "tags"];
    private static readonly Gen<object> Scalar = Gen.OneOf(Gen.Long[0, 3].Select(v => (object)v), Gen.OneOf<object>("a", "b", "c"));
    private static readonly Gen<object> ListOfScalars = Scalar.List[0, 3].Select(v => (object)v);

    private static readonly Gen<Op> Operation = Gen.OneOf(Properties).SelectMany(property => Gen.OneOf(
        Gen.OneOf(Scalar, ListOfScalars).Select(v => new Op("$set", property, v)),
        Gen.OneOf(Scalar, ListOfScalars).Select(v => new Op("$set_once", property, v)),
        Gen.Long[-3, 5].Select(v => new Op("$add", property, v)),
        Scalar.Select(v => new Op("$append", property, v)),
        ListOfScalars.Select(v => new Op("$union", property, v)),
        Scalar.Select(v => new Op("$remove", property, v)),
        Gen.Const(new Op("$unset", property, null)),
        Gen.Const(new Op("$delete", "", null))));

    private static JsonNode? ToJson(object? value) => value switch
    {
        null => null,
        long number => JsonValue.Create(number),
        string text => JsonValue.Create(text),
        List<object> list => new JsonArray([.. list.Select(ToJson)]),
        _ => throw new ArgumentException("unexpected value"),
    };

    private JsonObject Update(string distinctId, Op op)
    {
        var update = new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = distinctId };
        update[op.Operator] = op.Operator switch
        {
            "$delete" => "",
            "$unset" => new JsonArray(op.Property),
            _ => new JsonObject { [op.Property] = ToJson(op.Value) },
        };
        return update;
    }

    [Fact]
    public async Task Random_operation_sequences_equal_the_reference_model()
    {
        var run = 0;
        await Operation.List[1, 12].SampleAsync(async ops =>
        {
            var distinctId = $"prop-{Interlocked.Increment(ref run)}-{Guid.NewGuid():N}";
            Dictionary<string, object>? expected = null;
            foreach (var op in ops) expected = Apply(expected, op);

            Assert.Equal(HttpStatusCode.OK, await ProfileApi.EngageAsync(veil.Client, [.. ops.Select(op => (JsonNode)Update(distinctId, op))]));
            await veil.Server.CaughtUpAsync();
            var (status, body) = await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, distinctId);

            var described = string.Join("; ", ops.Select(o => $"{o.Operator} {o.Property} {ToJson(o.Value)?.ToJsonString()}"));
            if (expected is null)
            {
                Assert.True(status == HttpStatusCode.NotFound || body?["properties"] is null, $"expected no profile after {described}, got {body?.ToJsonString()}");
                return;
            }
            Assert.Equal(HttpStatusCode.OK, status);
            var actual = body!["properties"]!.AsObject();
            Assert.True(expected.Count == actual.Count
                && expected.All(kv => actual.ContainsKey(kv.Key) && Same(kv.Value, ProfileApi.ToModel(actual[kv.Key]))),
                $"after {described}: expected {ToJson(expected.Keys.ToList().Select(k => (object)k).ToList())?.ToJsonString()} = "
                + string.Join(",", expected.Select(kv => kv.Key + "=" + ToJson(kv.Value)?.ToJsonString())) + $", got {actual.ToJsonString()}");
        }, iter: 40, threads: 1);
    }

    [Fact]
    public async Task Mixpanel_documented_examples()
    {
        var id = "doc-" + Guid.NewGuid().ToString("N");
        JsonObject Op(string op, JsonNode value) => new() { ["$token"] = veil.Token, ["$distinct_id"] = id, [op] = value };
        Assert.Equal(HttpStatusCode.OK, await ProfileApi.EngageAsync(veil.Client, [
            Op("$set", new JsonObject { ["Address"] = "1313 Mockingbird Lane", ["Birthday"] = "1948-01-01" }),
            Op("$set_once", new JsonObject { ["First login date"] = "2013-04-01T13:20:00", ["Address"] = "not this one" }),
            Op("$add", new JsonObject { ["Coins Gathered"] = 12 }),
            Op("$add", new JsonObject { ["Coins Gathered"] = -4 }),
            Op("$append", new JsonObject { ["Power Ups"] = "Bubble Lead" }),
            Op("$union", new JsonObject { ["Items purchased"] = new JsonArray("socks", "shirts") }),
            Op("$union", new JsonObject { ["Items purchased"] = new JsonArray("socks", "hats") }),
            Op("$remove", new JsonObject { ["Items purchased"] = "shirts" }),
            Op("$unset", new JsonArray("Birthday")),
            // $add on a property that holds text leaves it alone.
            Op("$add", new JsonObject { ["Address"] = 1 }),
        ]));
        await veil.Server.CaughtUpAsync();
        var (status, body) = await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, id);
        Assert.Equal(HttpStatusCode.OK, status);
        var properties = body!["properties"]!;
        Assert.Equal("1313 Mockingbird Lane", (string?)properties["Address"]);
        Assert.Equal("2013-04-01T13:20:00", (string?)properties["First login date"]);
        Assert.Equal(8, (int)properties["Coins Gathered"]!);
        Assert.Equal("""["Bubble Lead"]""", properties["Power Ups"]!.ToJsonString());
        Assert.Equal("""["socks","hats"]""", properties["Items purchased"]!.ToJsonString());
        Assert.Null(properties["Birthday"]);
        Assert.NotNull(body["last_seen"]);

        Assert.Equal(HttpStatusCode.OK, await ProfileApi.EngageAsync(veil.Client, [Op("$delete", "")]));
        await veil.Server.CaughtUpAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, id)).Status);
    }

    [Fact]
    public async Task Ignore_time_does_not_touch_last_seen()
    {
        var id = "quiet-" + Guid.NewGuid().ToString("N");
        await ProfileApi.EngageAsync(veil.Client, [new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$time"] = 1_795_000_000_000, ["$set"] = new JsonObject { ["a"] = 1 } }]);
        await ProfileApi.EngageAsync(veil.Client, [new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$time"] = 1_795_100_000_000, ["$ignore_time"] = true, ["$set"] = new JsonObject { ["a"] = 2 } }]);
        await veil.Server.CaughtUpAsync();
        var (_, body) = await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, id);
        Assert.Equal(2, (int)body!["properties"]!["a"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_795_000_000_000).UtcDateTime, DateTime.Parse((string)body["last_seen"]!, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));
    }

    [Theory]
    [InlineData("""{"$add":{"n":"one"}}""", "$add")]
    [InlineData("""{"$union":{"tags":"not-a-list"}}""", "$union")]
    [InlineData("""{"$frobnicate":{"x":1}}""", "$frobnicate")]
    [InlineData("""{"$set":["not","an","object"]}""", "$set")]
    [InlineData("""{"$unset":{"x":1}}""", "$unset")]
    public async Task Bad_operations_are_refused_with_a_reason_and_good_ones_in_the_batch_are_kept(string badOperation, string named)
    {
        var id = "bad-" + Guid.NewGuid().ToString("N");
        var bad = JsonNode.Parse(badOperation)!.AsObject();
        bad["$token"] = veil.Token;
        bad["$distinct_id"] = id;
        var good = new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$set"] = new JsonObject { ["kept"] = true } };
        using var content = new StringContent(new JsonArray(bad, good).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await veil.Client.PostAsync("/engage?verbose=1", content);
        var text = await response.Content.ReadAsStringAsync();
        // A partly good batch is accepted (the SDK must not retry the good part) and the reply names what was refused.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(named, text, StringComparison.Ordinal);
        using var alone = new StringContent(new JsonArray(bad.DeepClone()).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var refused = await veil.Client.PostAsync("/engage?verbose=1", alone);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(named, await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await veil.Server.CaughtUpAsync();
        var (_, body) = await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, id);
        Assert.True((bool)body!["properties"]!["kept"]!);
    }

    [Fact]
    public async Task A_huge_union_list_is_refused_with_a_reason()
    {
        var list = new JsonArray([.. Enumerable.Range(0, 200_000).Select(i => (JsonNode)JsonValue.Create("item-" + i))]);
        var update = new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = "huge", ["$union"] = new JsonObject { ["tags"] = list } };
        using var content = new StringContent(new JsonArray(update).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await veil.Client.PostAsync("/engage?verbose=1", content);
        Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.RequestEntityTooLarge, response.StatusCode.ToString());
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Deleting_a_profile_that_does_not_exist_is_a_no_op()
    {
        var id = "never-" + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, await ProfileApi.EngageAsync(veil.Client, [
            new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$delete"] = "" },
            new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$unset"] = new JsonArray("x") },
            new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = id, ["$remove"] = new JsonObject { ["x"] = 1 } },
        ]));
        await veil.Server.CaughtUpAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, id)).Status);
    }
}
