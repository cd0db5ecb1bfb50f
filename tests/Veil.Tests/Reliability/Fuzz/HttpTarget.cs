using System.Net.Http.Headers;
using System.Text;

namespace Veil.Fuzz;

/// <summary>Sends cases to a running Veil over HTTP(S) with the project's credentials, so they reach the validators.</summary>
public sealed class HttpTarget(HttpClient client, string token, string secret)
{
    /// <summary>The HTTP status Veil answered with. Transport errors and time-outs are thrown.</summary>
    public async Task<int> SendAsync(FuzzCase fuzzCase, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzzCase.Method), fuzzCase.Path + fuzzCase.Query);
        if (fuzzCase.Method != "GET" || fuzzCase.Body.Length > 0)
        {
            var content = new ByteArrayContent(fuzzCase.Body);
            if (fuzzCase.ContentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", fuzzCase.ContentType);
            if (fuzzCase.ContentEncoding is not null) content.Headers.TryAddWithoutValidation("Content-Encoding", fuzzCase.ContentEncoding);
            request.Content = content;
        }
        if (fuzzCase.Native) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        else if (fuzzCase.Endpoint == Ingest.Wire.MixpanelEndpoint.Import)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(secret + ":")));
        using var response = await client.SendAsync(request, cancellationToken);
        _ = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        return (int)response.StatusCode;
    }
}
