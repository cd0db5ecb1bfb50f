using System.Text.Json;
using Veil.Hosting;

namespace Veil.Endpoints;

/// <summary>A small JSON object body (forms of the account API), read with a size cap; every field problem is a 400 naming the field.</summary>
public sealed class JsonForm : IDisposable
{
    private const int MaxBytes = 16 * 1024;
    private readonly JsonDocument _document;

    private JsonForm(JsonDocument document) => _document = document;

    /// <summary>Reads the body as a JSON object, or answers 413/400 and returns null. An empty body is an empty object.</summary>
    public static async Task<JsonForm?> ReadAsync(HttpContext context)
    {
        // JSON only: a cross-site HTML form cannot send application/json without a CORS preflight, which Veil never grants here.
        var contentType = context.Request.ContentType;
        if (context.Request.ContentLength is not 0 && (contentType is null || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)))
        {
            await Problems.Write(context, 415, "Unsupported media type", "Send the form as JSON with Content-Type: application/json.");
            return null;
        }
        using var body = await RequestBodies.ReadAsync(context.Request, MaxBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.Write(context, 413, "Request too large", $"This form is at most {MaxBytes / 1024} KiB.");
            return null;
        }
        if (body.WrittenCount == 0) return new JsonForm(JsonDocument.Parse("{}"));
        try
        {
            var document = JsonDocument.Parse(body.WrittenMemory, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind == JsonValueKind.Object) return new JsonForm(document);
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        await Problems.Write(context, 400, "Bad request", "The body must be a JSON object.");
        return null;
    }

    /// <summary>A string field of at most <paramref name="maxLength"/> characters; the problem (for a 400) if missing or not a string.</summary>
    public string? String(string name, int maxLength, out string? problem, bool required = true)
    {
        problem = null;
        if (!_document.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required) problem = $"`{name}` is required.";
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            problem = $"`{name}` must be a string.";
            return null;
        }
        var text = value.GetString()!;
        if (text.Length > maxLength)
        {
            problem = $"`{name}` is at most {maxLength} characters.";
            return null;
        }
        return text;
    }

    /// <summary>An array of strings (each at most <paramref name="maxLength"/>), or empty if absent.</summary>
    public IReadOnlyList<string>? Strings(string name, int maxLength, out string? problem)
    {
        problem = null;
        if (!_document.RootElement.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null) return [];
        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() > 64 || value.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String || e.GetString()!.Length > maxLength))
        {
            problem = $"`{name}` must be an array of at most 64 strings of at most {maxLength} characters.";
            return null;
        }
        return [.. value.EnumerateArray().Select(e => e.GetString()!)];
    }

    public JsonElement Root => _document.RootElement;

    public void Dispose() => _document.Dispose();
}
