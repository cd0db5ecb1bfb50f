using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Veil.Tests.Profiles;

/// <summary>Calls to the profile API as a client would make them: HTTP Basic <c>user:secret</c> of a service account.</summary>
public static class ProfileApi
{
    public static async Task<(HttpStatusCode Status, JsonNode? Body)> PostAsync(HttpClient client, int projectId, string credential, string path, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/projects/{projectId}/{path}")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credential)));
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    public static Task<(HttpStatusCode Status, JsonNode? Body)> LookupAsync(HttpClient client, int projectId, string credential, string distinctId) =>
        PostAsync(client, projectId, credential, "profiles/lookup", new JsonObject { ["distinct_id"] = distinctId }.ToJsonString());

    /// <summary>Converts JSON to the reference model's values: whole numbers as long, strings, lists.</summary>
    public static object ToModel(JsonNode? node) => node switch
    {
        JsonArray array => array.Select(ToModel).ToList(),
        JsonValue value when value.TryGetValue<string>(out var text) => text,
        JsonValue value => (long)value.GetValue<decimal>(),
        _ => throw new InvalidOperationException("unexpected JSON " + node?.ToJsonString()),
    };

    public static async Task<HttpStatusCode> EngageAsync(HttpClient client, JsonArray updates)
    {
        using var content = new StringContent(updates.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/engage?verbose=1", content);
        return response.StatusCode;
    }
}
