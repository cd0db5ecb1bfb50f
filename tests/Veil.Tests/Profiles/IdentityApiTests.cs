using System.Net;
using System.Text.Json.Nodes;
using Veil.Tests.Http;

namespace Veil.Tests.Profiles;

/// <summary>
/// Mixpanel's simplified ID merge walkthrough, sent as mixpanel-browser sends it, checked through the profile API:
/// anonymous browsing on two devices, sign-up, login on a third device, reset; plus groups, vault fields and bad input.
/// </summary>
public sealed class IdentityApiTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    private long _clock = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 3000;

    private JsonObject BrowserEvent(string name, string device, string? user = null, JsonObject? extra = null)
    {
        var properties = new JsonObject
        {
            ["token"] = veil.Token,
            ["time"] = _clock++,
            ["$insert_id"] = Guid.NewGuid().ToString("N")[..16],
            ["distinct_id"] = user ?? "$device:" + device,
            ["$device_id"] = device,
            ["mp_lib"] = "web",
        };
        if (user is not null) properties["$user_id"] = user;
        if (extra is not null)
        {
            foreach (var (k, v) in extra) properties[k] = v?.DeepClone();
        }
        return new JsonObject { ["event"] = name, ["properties"] = properties };
    }

    private JsonObject IdentifyEvent(string device, string user) =>
        BrowserEvent("$identify", device, user, new JsonObject { ["$anon_distinct_id"] = "$device:" + device });

    private async Task TrackAsync(params JsonObject[] events)
    {
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track/?verbose=1", Payloads.FormData(Payloads.Array(events))));
        reply.AssertOk(VeilHttp.VerboseOk);
    }

    private async Task<JsonNode> LookupAsync(string distinctId)
    {
        await veil.Server.CaughtUpAsync();
        var (status, body) = await ProfileApi.LookupAsync(veil.Client, veil.ProjectId, veil.Reader, distinctId);
        Assert.Equal(HttpStatusCode.OK, status);
        return body!;
    }

    private async Task<List<JsonNode>> TimelineAsync(string distinctId, int pageSize)
    {
        var all = new List<JsonNode>();
        string? after = null;
        while (true)
        {
            var request = new JsonObject { ["distinct_id"] = distinctId, ["limit"] = pageSize, ["after"] = after };
            var (status, body) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Reader, "profiles/events", request.ToJsonString());
            Assert.Equal(HttpStatusCode.OK, status);
            all.AddRange(body!["events"]!.AsArray().Select(e => e!.DeepClone()));
            after = (string?)body["next"];
            if (after is null) return all;
        }
    }

    [Fact]
    public async Task Simplified_id_merge_walkthrough()
    {
        var user = "alice-" + Guid.NewGuid().ToString("N")[..8];
        var (d1, d2, d3, d4) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        // 1. Anonymous browsing on two devices.
        await TrackAsync(BrowserEvent("Viewed Pricing", d1), BrowserEvent("Viewed Blog", d1), BrowserEvent("Viewed Pricing", d2));
        // 2. Sign-up on the first device: identify() sends $identify, later events carry $user_id.
        await TrackAsync(IdentifyEvent(d1, user), BrowserEvent("Signed Up", d1, user));
        // 3. Later, login on a third device after browsing there anonymously.
        await TrackAsync(BrowserEvent("Viewed Pricing", d3), IdentifyEvent(d3, user), BrowserEvent("Logged In", d3, user));
        // 4. reset() on logout: a fresh device id whose events are nobody's yet.
        await TrackAsync(BrowserEvent("Viewed Home", d4));

        var person = await LookupAsync(user);
        Assert.True((bool)person["identified"]!);
        Assert.Equal(3, person["distinct_ids"]!.AsArray().Count);
        // Everything from devices 1 and 3, including what happened before sign-up, is the user's: 2+2 on d1, 3 on d3.
        Assert.Equal(7, (long)person["events"]!);
        // The same person whichever id is looked up: the device id, or the distinct id an anonymous event had.
        Assert.Equal((string?)person["person"], (string?)(await LookupAsync("$device:" + d1))["person"]);
        Assert.Equal((string?)person["person"], (string?)(await LookupAsync(d3))["person"]);
        // Device 2 never signed in, device 4 is after the reset: separate, anonymous people.
        var second = await LookupAsync("$device:" + d2);
        Assert.NotEqual((string?)person["person"], (string?)second["person"]);
        Assert.False((bool)second["identified"]!);
        Assert.Equal(1, (long)(await LookupAsync("$device:" + d4))["events"]!);

        var timeline = await TimelineAsync(user, pageSize: 2);
        Assert.Equal(7, timeline.Count);
        Assert.Equal(["Logged In", "$identify", "Viewed Pricing", "Signed Up", "$identify", "Viewed Blog", "Viewed Pricing"],
            timeline.Select(e => (string)e["event"]!));
    }

    [Fact]
    public async Task Vault_fields_set_before_and_after_merging_belong_to_the_person()
    {
        var user = "vault-" + Guid.NewGuid().ToString("N")[..8];
        var device = Guid.NewGuid().ToString();
        // The Node SDK sets PII on the user id; the name was set while the visitor was anonymous.
        Assert.Equal(HttpStatusCode.OK, await ProfileApi.EngageAsync(veil.Client, [
            new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = "$device:" + device, ["$set"] = new JsonObject { ["$name"] = "Ada Lovelace" } },
            new JsonObject { ["$token"] = veil.Token, ["$distinct_id"] = user, ["$set"] = new JsonObject { ["$email"] = "ada@example.org", ["plan"] = "pro" } },
        ]));
        await TrackAsync(IdentifyEvent(device, user));
        await veil.Server.CaughtUpAsync();
        var request = new JsonObject { ["distinct_id"] = user }.ToJsonString();
        // No credential may decrypt the vault, not even one that reads individuals; a person needs a fresh step-up.
        Assert.Equal(HttpStatusCode.Forbidden, (await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Reader, "profiles/vault", request)).Status);
        var accounts = veil.Server.Server.Accounts;
        var analyst = accounts.Store.CreateUser($"analyst-{user}@example.org", accounts.Hasher.Hash("unused analyst passphrase"), false);
        accounts.Store.SetMembership(analyst.Id, veil.ProjectId, "analyst");
        Assert.Equal(HttpStatusCode.Forbidden, (await VaultAsPersonAsync(accounts.StartSession(analyst, Security.Access.MfaLevel.Totp, accounts.Now - TimeSpan.FromMinutes(6)), request)).Status);
        var (status, body) = await VaultAsPersonAsync(accounts.StartSession(analyst, Security.Access.MfaLevel.Totp, accounts.Now), request);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ada@example.org", (string?)body!["fields"]!["$email"]);
        Assert.Equal("Ada Lovelace", (string?)body["fields"]!["$name"]);
        // PII never reaches the profile properties.
        var profile = await LookupAsync(user);
        Assert.Equal("""{"plan":"pro"}""", profile["properties"]!.ToJsonString());
    }

    private async Task<(HttpStatusCode Status, JsonNode? Body)> VaultAsPersonAsync(Security.Accounts.IssuedSession session, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{veil.ProjectId}/profiles/vault")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Cookie", $"{Access.SessionCookie.Name}={session.Token}");
        request.Headers.Add(Access.SessionCookie.CsrfHeader, session.CsrfToken);
        using var response = await veil.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Fact]
    public async Task Events_count_toward_their_group_and_group_ids_are_pseudonymised()
    {
        var company = "Acme-" + Guid.NewGuid().ToString("N")[..6];
        // A group profile declares `company` a group key (as get_group("company", id).set(...) does).
        Assert.Equal(HttpStatusCode.OK, await PostGroupsAsync(new JsonObject
        {
            ["$token"] = veil.Token,
            ["$group_key"] = "company",
            ["$group_id"] = company,
            ["$set"] = new JsonObject { ["industry"] = "widgets" },
        }));
        var device = Guid.NewGuid().ToString();
        await TrackAsync(
            BrowserEvent("Invoice Paid", device, "buyer-1", new JsonObject { ["company"] = new JsonArray(company) }),
            BrowserEvent("Invoice Paid", device, "buyer-2", new JsonObject { ["company"] = company }),
            BrowserEvent("Invoice Paid", device, "buyer-3", new JsonObject { ["company"] = "Other Inc" }));
        await veil.Server.CaughtUpAsync();
        var (status, group) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Reader, "groups/lookup",
            new JsonObject { ["group_key"] = "company", ["group_id"] = company }.ToJsonString());
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("widgets", (string?)group!["properties"]!["industry"]);
        Assert.Equal(2, (long)group["events"]!);
        var timeline = await TimelineAsync("buyer-1", 10);
        var stored = timeline.Single()["properties"]!["company"]!.AsArray().Single()!.GetValue<string>();
        Assert.Equal((string?)group["group"], stored);
        Assert.DoesNotContain(company, timeline.Single().ToJsonString(), StringComparison.Ordinal);

        var (_, keys) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Reader, "group-keys", """{"group_key":"team"}""");
        Assert.Equal("team", (string?)keys!["group_key"]);
        using var list = new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{veil.ProjectId}/group-keys");
        var listed = await veil.Client.SendForReplyAsync(list.WithBasic("reader", veil.Reader["reader:".Length..]));
        Assert.Equal("""{"group_keys":["company","team"]}""", listed.Text);
    }

    private async Task<HttpStatusCode> PostGroupsAsync(JsonObject update)
    {
        using var content = new StringContent(new JsonArray(update).ToJsonString(), System.Text.Encoding.UTF8, "application/json");
        using var response = await veil.Client.PostAsync("/groups?verbose=1", content);
        return response.StatusCode;
    }

    [Theory]
    [InlineData("profiles/lookup", "{}", 400, "distinct_id")]
    [InlineData("profiles/lookup", "[1,2]", 400, "object")]
    [InlineData("profiles/lookup", "{\"distinct_id\":", 400, "JSON")]
    [InlineData("profiles/lookup", "{\"distinct_id\":42}", 400, "distinct_id")]
    [InlineData("profiles/lookup", "{\"distinct_id\":\"nobody-ever\"}", 404, "No such person")]
    [InlineData("profiles/lookup", "{\"person\":\"not-hex\"}", 400, "distinct_id")]
    [InlineData("profiles/events", "{\"distinct_id\":\"x\",\"limit\":0}", 400, "limit")]
    [InlineData("profiles/events", "{\"distinct_id\":\"x\",\"limit\":\"ten\"}", 400, "limit")]
    [InlineData("profiles/events", "{\"distinct_id\":\"x\",\"after\":\"%%%\"}", 400, "after")]
    [InlineData("groups/lookup", "{\"group_id\":\"Acme\"}", 400, "group_key")]
    [InlineData("groups/lookup", "{\"group_key\":\"company\"}", 400, "group_id")]
    [InlineData("group-keys", "{\"group_key\":\"a\\\"b\"}", 400, "group_key")]
    public async Task Bad_requests_get_a_clear_4xx(string path, string body, int status, string mentions)
    {
        var (actual, reply) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Reader, path, body);
        Assert.Equal(status, (int)actual);
        Assert.Contains(mentions, reply!.ToJsonString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("profiles/lookup")]
    [InlineData("profiles/events")]
    [InlineData("profiles/vault")]
    [InlineData("groups/lookup")]
    [InlineData("group-keys")]
    public async Task Every_profile_endpoint_needs_a_credential(string path)
    {
        var (status, _) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, "reader:wrong-secret", path, """{"distinct_id":"x"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        // The public ingestion token is write-only.
        var (withToken, _) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Token + ":", path, """{"distinct_id":"x"}""");
        Assert.Equal(HttpStatusCode.Unauthorized, withToken);
    }

    [Theory]
    [InlineData("profiles/lookup")]
    [InlineData("profiles/events")]
    [InlineData("profiles/vault")]
    public async Task The_legacy_project_secret_reads_no_individual(string path)
    {
        // The Mixpanel-style secret may import and read aggregates only.
        var (status, _) = await ProfileApi.PostAsync(veil.Client, veil.ProjectId, veil.Secret + ":", path, """{"distinct_id":"x"}""");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }
}
