using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Veil.Ingest.Wire;

namespace Veil.Ingest.Tests.Wire;

/// <summary>
/// Replays every request the official Mixpanel SDKs sent (Captures/*.jsonl, except <c>/record</c>) and checks the
/// adapter finds exactly what the test decodes on its own, the simple way.
/// </summary>
public sealed class MixpanelCaptureReplayTests
{
    // The Node capture has no clock; its events carry 2024-01-02T03:04:05Z.
    private const long NodeCaptureNowMs = 1_704_164_645_000 + 60_000;

    public static TheoryData<string, string[], string[]> Captures => new()
    {
        {
            "mixpanel-browser-2.83.0-chromium.requests.jsonl",
            ["$identify", "Signed Up"],
            ["$set", "$set_once"]
        },
        {
            "mixpanel-browser-2.83.0-json-and-record.requests.jsonl",
            ["Ev JSON", "$identify"],
            ["$set_once", "$set"]
        },
        {
            "mixpanel-browser-2.83.0.requests.jsonl",
            ["Sent immediately", "Clicked Button", "$mp_web_page_view", "$create_alias", "$identify", "$identify"],
            ["$set", "$set", "$add", "$set_once", "$set_once", "$union", "$set"]
        },
        {
            "mixpanel-node-0.24.0.requests.jsonl",
            ["Signed Up", "Verbose Ev", "B1", "B2", "$create_alias"],
            ["$set", "$set_once", "$add", "$append", "$union", "$remove", "$unset", "$delete", "$append", "$set", "$delete"]
        },
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void Every_captured_request_decodes_to_what_the_SDK_sent(string file, string[] expectedNames, string[] expectedOperations)
    {
        var names = new List<string>();
        var operations = new List<string>();
        var replayed = 0;
        foreach (var capture in CapturedRequest.Load(file))
        {
            if (capture.Endpoint is not { } endpoint) continue;
            replayed++;
            var expected = DecodeIndependently(capture);
            var nowMs = capture.RawParameter("_") is { } sentAt ? long.Parse(sentAt, CultureInfo.InvariantCulture) : NodeCaptureNowMs;

            using var decoded = MixpanelWire.Decode(endpoint, capture.ToWireRequest());
            Assert.True(decoded.Succeeded, decoded.ErrorMessage);
            Assert.Equal(expected.Count, decoded.ItemCount);
            Assert.Empty(decoded.ItemErrors);

            MixpanelResponse response;
            if (endpoint is MixpanelEndpoint.Track or MixpanelEndpoint.Import)
            {
                var batch = MixpanelEventValidator.ValidateAll(decoded, nowMs);
                Assert.Empty(batch.Errors);
                Assert.Equal(0, batch.Skipped);
                Assert.Equal(expected.Count, batch.Events.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    var sent = expected[i]!;
                    var properties = sent["properties"]!;
                    var ev = batch.Events[i];
                    Assert.Equal(i, ev.Index);
                    Assert.Equal((string)sent["event"]!, ev.Name);
                    Assert.Equal((string)properties["token"]!, ev.Token);
                    Assert.Equal((string?)properties["distinct_id"], ev.DistinctId);
                    Assert.Equal((string?)properties["$insert_id"], ev.InsertId);
                    var time = properties["time"] is { } t ? (double)t : (double?)null;
                    var expectedMs = time is null ? nowMs : time > 1e11 ? (long)time : (long)Math.Round(time.Value * 1000);
                    Assert.Equal(expectedMs, ev.TimeMs);
                    Assert.Equal(properties.AsObject().Count, ev.Properties.EnumerateObject().Count());
                    names.Add(ev.Name);
                }
                response = MixpanelResponses.ForEvents(decoded, batch);
            }
            else
            {
                var batch = MixpanelProfileValidator.ValidateAll(decoded);
                Assert.Empty(batch.Errors);
                Assert.Equal(expected.Count, batch.Operations.Count);
                for (var i = 0; i < expected.Count; i++)
                {
                    var sent = expected[i]!.AsObject();
                    var op = batch.Operations[i];
                    Assert.Equal((string)sent["$token"]!, op.Token);
                    Assert.Equal((string?)sent["$distinct_id"], op.DistinctId);
                    Assert.Equal((string?)sent["$group_key"], op.GroupKey);
                    Assert.Equal((string?)sent["$group_id"], op.GroupId);
                    Assert.True(sent.ContainsKey(op.Operation));
                    Assert.Equal(sent[op.Operation]!.ToJsonString(), JsonNode.Parse(op.Value.GetRawText())!.ToJsonString());
                    operations.Add(op.Operation);
                }
                response = MixpanelResponses.ForProfiles(decoded, batch);
            }

            // The SDKs only count a request as delivered on these exact replies.
            Assert.Equal(200, response.StatusCode);
            var verbose = capture.RawParameter("verbose") == "1";
            Assert.Equal(verbose ? """{"status":1,"error":null}""" : "1", Encoding.UTF8.GetString(response.Body.Span));
        }
        Assert.True(replayed > 0);
        Assert.Equal(expectedNames, names);
        Assert.Equal(expectedOperations, operations);
    }

    [Fact]
    public void The_Node_profile_modifiers_arrive()
    {
        var capture = CapturedRequest.Load("mixpanel-node-0.24.0.requests.jsonl").ElementAt(4);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Engage, capture.ToWireRequest());
        var op = Assert.Single(MixpanelProfileValidator.ValidateAll(decoded).Operations);
        Assert.Equal("$set_once", op.Operation);
        Assert.True(op.IgnoreTime);
        Assert.Equal("1.2.3.4", op.Ip);
        Assert.False(decoded.Flags.Ip);
    }

    /// <summary>Finds <c>data</c> and decodes it with nothing but the base class library.</summary>
    private static JsonArray DecodeIndependently(CapturedRequest capture)
    {
        var raw = capture.Body.StartsWith("data=", StringComparison.Ordinal) ? capture.Body[5..].Split('&')[0] : capture.RawParameter("data")!;
        string json;
        if (raw.StartsWith('{') || raw.StartsWith('[') || raw.StartsWith("%7B", StringComparison.OrdinalIgnoreCase) || raw.StartsWith("%5B", StringComparison.OrdinalIgnoreCase))
        {
            json = Uri.UnescapeDataString(raw);
        }
        else
        {
            var base64 = Uri.UnescapeDataString(raw).Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');
            json = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        var node = JsonNode.Parse(json)!;
        return node as JsonArray ?? [node.DeepClone()];
    }
}
