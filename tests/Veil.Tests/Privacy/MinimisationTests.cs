using System.Text;
using Veil.Tests.Http;

namespace Veil.Tests.Privacy;

/// <summary>
/// Promise 2 end to end: an IP becomes a country and is dropped; a user agent becomes families and majors and is
/// dropped; URLs lose their query. Checked in the stored rows and by scanning every byte under the data directory.
/// </summary>
public class MinimisationTests
{
    private const string ChromeOnWindows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.86 Safari/537.36 VeilProbe/7.7";

    [Fact]
    public async Task Ip_becomes_country_user_agent_becomes_families_and_neither_is_stored()
    {
        Assert.True(VeilTestServer.GeoIpDirectory() is not null, "the DB-IP database is missing: run tools/geoip/install.sh (test.sh does)");
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("minimise");
        using var client = server.CreateClient();

        // An address given by the SDK (Mixpanel's `ip` property) and a server-side SDK that sends no $browser/$os.
        var data = $$$"""{"event":"Geo","properties":{"token":"{{{token}}}","distinct_id":"geo-user","ip":"8.8.8.8","$current_url":"https://shop.example/cart?coupon=SECRET42&utm_source=mail"}}""";
        using var request = VeilHttp.Post("/track?ip=1", "data=" + Uri.EscapeDataString(data));
        request.Headers.TryAddWithoutValidation("User-Agent", ChromeOnWindows);
        var reply = await client.SendForReplyAsync(request);
        Assert.Equal(200, reply.Status);
        await server.CaughtUpAsync();

        using var stopped = await StoppedServer.StopAsync(server);
        var row = Assert.Single(stopped.Query($"SELECT country, browser, browser_version, os, device_type, url FROM events WHERE project_id = {id}"));
        Assert.Equal("US", row[0]);
        Assert.Equal("Chrome", row[1]);
        Assert.Equal(131, Convert.ToInt32(row[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("Windows", row[3]);
        Assert.Equal("desktop", row[4]);
        Assert.Equal("https://shop.example/cart?utm_source=mail", row[5]);
        foreach (var secret in new[] { "8.8.8.8", "VeilProbe", "131.0.6778.86", "SECRET42", "geo-user" })
        {
            var hits = stopped.FindBytes(Encoding.UTF8.GetBytes(secret)).ToList();
            Assert.True(hits.Count == 0, $"'{secret}' found on disk: {string.Join(", ", hits.Select(h => h.File + "@" + h.Offset))}");
        }
    }

    [Fact]
    public async Task A_profile_ip_becomes_its_country_and_is_dropped()
    {
        Assert.True(VeilTestServer.GeoIpDirectory() is not null, "the DB-IP database is missing: run tools/geoip/install.sh (test.sh does)");
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("profile-geo");
        var reader = "reader:" + server.CreateServiceAccount(id, "reader", "read:individual");
        using var client = server.CreateClient();
        var body = $$$"""
            [{"$token":"{{{token}}}","$distinct_id":"geo-person","$ip":"8.8.8.8","$set":{"plan":"pro"}},
             {"$token":"{{{token}}}","$distinct_id":"no-geo-person","$ip":"0","$set":{"plan":"free"}}]
            """;
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/engage?verbose=1", body, VeilHttp.Json))).Status);
        await server.CaughtUpAsync();
        var (_, person) = await Profiles.ProfileApi.LookupAsync(client, id, reader, "geo-person");
        Assert.Equal("US", (string?)person!["properties"]!["$country_code"]);
        Assert.Equal("pro", (string?)person["properties"]!["plan"]);
        var (_, skipped) = await Profiles.ProfileApi.LookupAsync(client, id, reader, "no-geo-person");
        Assert.Null(skipped!["properties"]!["$country_code"]);
        using var stopped = await StoppedServer.StopAsync(server);
        Assert.Empty(stopped.FindBytes(Encoding.UTF8.GetBytes("8.8.8.8")));
    }

    [Fact]
    public async Task Forwarded_for_is_ignored_unless_the_proxy_is_trusted()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("xff");
        using var client = server.CreateClient();
        var data = $$$"""{"event":"Xff","properties":{"token":"{{{token}}}","distinct_id":"x"}}""";
        using var request = VeilHttp.Post("/track?ip=1", "data=" + Uri.EscapeDataString(data));
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "8.8.8.8");
        Assert.Equal(200, (await client.SendForReplyAsync(request)).Status);
        await server.CaughtUpAsync();
        using var stopped = await StoppedServer.StopAsync(server);
        var row = Assert.Single(stopped.Query($"SELECT country FROM events WHERE project_id = {id}"));
        Assert.Null(row[0]);
    }
}
