using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Veil.Tests.Http;

/// <summary>How the tests talk to the server: raw requests as SDKs send them, the count API, and the reason of a 4xx.</summary>
internal static class VeilHttp
{
    public const string Form = "application/x-www-form-urlencoded";
    public const string Json = "application/json";
    public const string VerboseOk = """{"status":1,"error":null}""";

    /// <summary>A request with a raw body; no content headers beyond the ones given.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string pathAndQuery, byte[]? body = null, string? contentType = null, string? contentEncoding = null)
    {
        var request = new HttpRequestMessage(method, pathAndQuery);
        if (body is not null)
        {
            var content = new ByteArrayContent(body);
            if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            if (contentEncoding is not null) content.Headers.ContentEncoding.Add(contentEncoding);
            request.Content = content;
        }
        return request;
    }

    public static HttpRequestMessage Post(string pathAndQuery, string body, string? contentType = Form) =>
        Request(HttpMethod.Post, pathAndQuery, Encoding.UTF8.GetBytes(body), contentType);

    public static HttpRequestMessage WithBasic(this HttpRequestMessage request, string user, string password = "")
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return request;
    }

    /// <summary>Sends and reads the whole reply.</summary>
    public static async Task<Reply> SendForReplyAsync(this HttpClient client, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var body = await response.Content.ReadAsByteArrayAsync();
            return new Reply(response, body);
        }
    }

    /// <summary>Events of one name stored in a project, read through the count API with the project secret.</summary>
    public static async Task<long> CountEventsAsync(this HttpClient client, int projectId, string secret, string eventName)
    {
        var reply = await client.SendForReplyAsync(
            new HttpRequestMessage(HttpMethod.Get, $"/api/projects/{projectId}/events/count?event={Uri.EscapeDataString(eventName)}&from=1971-01-01&to=2100-01-01")
                .WithBasic(secret));
        Assert.True(reply.Status == 200, $"count API answered {reply.Status}: {reply.Text}");
        using var json = JsonDocument.Parse(reply.Body);
        return json.RootElement.GetProperty("total").GetInt64();
    }
}
