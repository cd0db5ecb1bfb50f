using System.Net.Http.Json;

namespace Veil.Security.Guard;

/// <summary>POSTs each alert as JSON to a webhook, in the background; delivery failures are reported to <paramref name="onError"/>.</summary>
public sealed class WebhookGuardAlertSink(HttpClient http, Uri url, Action<Exception>? onError = null) : IGuardAlertSink
{
    /// <inheritdoc />
    public void Raise(GuardAlert alert) => _ = SendAsync(alert);

    private async Task SendAsync(GuardAlert alert)
    {
        try
        {
            using var response = await http.PostAsJsonAsync(url, new { time = alert.Time, kind = alert.Kind.ToString(), subject = alert.Subject.ToString(), id = alert.Id, message = alert.Message });
            response.EnsureSuccessStatusCode();
        }
        catch (Exception e)
        {
            onError?.Invoke(e);
        }
    }
}
