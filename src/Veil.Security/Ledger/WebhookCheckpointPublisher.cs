using System.Text;

namespace Veil.Security.Ledger;

/// <summary>POSTs each checkpoint note (text/plain) to a webhook.</summary>
public sealed class WebhookCheckpointPublisher(HttpClient http, Uri url) : ICheckpointPublisher
{
    /// <inheritdoc />
    public async Task PublishAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        using var content = new StringContent(checkpoint.Note, Encoding.UTF8, "text/plain");
        using var response = await http.PostAsync(url, content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }
}
