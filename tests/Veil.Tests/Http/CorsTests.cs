namespace Veil.Tests.Http;

/// <summary>Browsers on any site may send events (the browser SDK uses XHR with credentials); the read API gets no CORS.</summary>
public sealed class CorsTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    private const string Origin = "https://app.example";

    [Theory]
    [InlineData("/track/?verbose=1&ip=1")]
    [InlineData("/engage/?verbose=1&ip=1")]
    public async Task Ingestion_reply_echoes_the_origin_with_credentials(string path)
    {
        var body = path.StartsWith("/track", StringComparison.Ordinal)
            ? Payloads.FormData(Payloads.Array(Payloads.Event(Payloads.Name("cors"), veil.Token)))
            : Payloads.FormData($$"""[{"$set":{"plan":"pro"},"$token":"{{veil.Token}}","$distinct_id":"cors-user"}]""");
        var request = VeilHttp.Post(path, body);
        request.Headers.Add("Origin", Origin);
        var reply = await veil.Client.SendForReplyAsync(request);
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(Origin, reply.Header("Access-Control-Allow-Origin"));
        Assert.Equal("true", reply.Header("Access-Control-Allow-Credentials"));
        Assert.Contains("Origin", reply.Header("Vary") ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refusal_still_carries_cors_headers_so_the_page_can_read_why()
    {
        var request = VeilHttp.Post("/track?verbose=1", "data=not-base64!");
        request.Headers.Add("Origin", Origin);
        var reply = await veil.Client.SendForReplyAsync(request);
        reply.AssertRefused(400);
        Assert.Equal(Origin, reply.Header("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Preflight_allows_the_requested_headers()
    {
        var request = new HttpRequestMessage(HttpMethod.Options, "/track/");
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "Authorization, traceparent");
        var reply = await veil.Client.SendForReplyAsync(request);
        Assert.Equal(204, reply.Status);
        Assert.Equal(Origin, reply.Header("Access-Control-Allow-Origin"));
        Assert.Equal("true", reply.Header("Access-Control-Allow-Credentials"));
        var allowed = (reply.Header("Access-Control-Allow-Headers") ?? "").Split(',', StringSplitOptions.TrimEntries);
        Assert.Contains("Authorization", allowed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("traceparent", allowed, StringComparer.OrdinalIgnoreCase);
        Assert.Contains("POST", reply.Header("Access-Control-Allow-Methods") ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_count_api_gets_no_cors_headers()
    {
        foreach (var method in new[] { HttpMethod.Get, HttpMethod.Options })
        {
            var request = new HttpRequestMessage(method, $"/api/projects/{veil.ProjectId}/events/count").WithBasic(veil.Secret);
            request.Headers.Add("Origin", Origin);
            if (method == HttpMethod.Options) request.Headers.Add("Access-Control-Request-Method", "GET");
            var reply = await veil.Client.SendForReplyAsync(request);
            Assert.Null(reply.Header("Access-Control-Allow-Origin"));
            Assert.Null(reply.Header("Access-Control-Allow-Credentials"));
            if (method == HttpMethod.Get) Assert.Equal(200, reply.Status);
            else Assert.NotEqual(204, reply.Status);
        }
    }
}
