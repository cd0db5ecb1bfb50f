using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Veil.Tests.Accounts;

/// <summary>A browser-like client of the account API: keeps the cookie, sends the CSRF token it was given.</summary>
public sealed class AccountHttp(HttpClient client)
{
    public string? Csrf { get; set; }
    public HttpClient Client => client;

    public async Task<(int Status, JsonElement Body)> PostAsync(string path, object? body = null, Action<HttpRequestMessage>? tweak = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body is null ? "{}" : JsonSerializer.Serialize(body), Encoding.UTF8, "application/json"),
        };
        if (Csrf is not null) request.Headers.Add("X-CSRF-Token", Csrf);
        tweak?.Invoke(request);
        return await SendAsync(request);
    }

    public Task<(int Status, JsonElement Body)> GetAsync(string path) => SendAsync(new HttpRequestMessage(HttpMethod.Get, path));

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var body = text.Length > 0 && text[0] is '{' or '[' ? JsonDocument.Parse(text).RootElement.Clone() : JsonSerializer.SerializeToElement(text);
            if (body.ValueKind == JsonValueKind.Object && body.TryGetProperty("csrf", out var csrf)) Csrf = csrf.GetString();
            return ((int)response.StatusCode, body);
        }
    }

    public async Task<JsonElement> SignInAsync(string email, string password, int expected = 200)
    {
        var (status, body) = await PostAsync("/api/auth/signin", new { email, password });
        Assert.True(status == expected, $"sign-in answered {status}: {body}");
        return body;
    }
}
