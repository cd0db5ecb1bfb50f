using System.Net.Http.Headers;
using System.Text;

namespace Veil.Tests.Http;

/// <summary>A whole HTTP reply, read so the response can be disposed.</summary>
internal sealed class Reply(HttpResponseMessage response, byte[] body)
{
    public int Status { get; } = (int)response.StatusCode;
    public byte[] Body { get; } = body;
    public string Text => Encoding.UTF8.GetString(Body);
    public HttpResponseHeaders Headers { get; } = response.Headers;
    public string? ContentType { get; } = response.Content.Headers.ContentType?.ToString();

    public string? Header(string name) =>
        Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>
    /// What a developer reads to learn why a request was refused: the <c>X-Veil-Error</c> header (the only reason a
    /// plain <c>0</c> reply can carry) and the body.
    /// </summary>
    public string Reason => $"{Header("X-Veil-Error")} {Text}".Trim();

    /// <summary>Asserts a 4xx (or exactly <paramref name="status"/>) whose reason mentions every one of <paramref name="mentions"/>.</summary>
    public string AssertRefused(int? status = null, params string[] mentions)
    {
        if (status is { } expected) Assert.True(Status == expected, $"expected {expected}, got {Status}: {Reason}");
        else Assert.True(Status is >= 400 and < 500, $"expected a 4xx, got {Status}: {Reason}");
        // "0" alone says nothing; a reason is words.
        var header = Header("X-Veil-Error");
        Assert.True(header is { Length: > 5 } || Text.Length > 5, $"{Status} carries no reason: body `{Text}`, no X-Veil-Error");
        foreach (var mention in mentions)
        {
            Assert.True(Reason.Contains(mention, StringComparison.OrdinalIgnoreCase), $"reason does not mention `{mention}`: {Reason}");
        }
        return Reason;
    }

    public void AssertOk(string expectedBody)
    {
        Assert.True(Status == 200, $"expected 200, got {Status}: {Reason}");
        Assert.Equal(expectedBody, Text);
    }

    public override string ToString() => $"{Status} {Reason}";
}
