using System.Text;
using System.Text.Json;

namespace Veil.Fuzz;

/// <summary>
/// Valid payloads to mutate: the JSON the official SDKs sent (capture files, <c>*.requests.jsonl</c>) with the
/// <c>data=</c> base64 layer taken off, plus a few built-in events and profile updates.
/// </summary>
public static class FuzzSeeds
{
    /// <summary>The token the built-in seeds carry and that captured tokens are rewritten to.</summary>
    public const string Token = "FUZZTOKEN";

    /// <summary>Placeholder for a time in milliseconds; <see cref="FuzzGenerator"/> puts a recent time there.</summary>
    public const string TimeMs = "TIME_MS";

    /// <summary>Placeholder for a time in seconds.</summary>
    public const string TimeSeconds = "TIME_S";

    /// <summary>Seed JSON payloads from every capture file in <paramref name="directories"/> plus the built-in ones.</summary>
    public static IReadOnlyList<string> Load(params string?[] directories)
    {
        var seeds = new List<string>(BuiltIn());
        foreach (var directory in directories)
        {
            if (directory is null || !Directory.Exists(directory)) continue;
            foreach (var file in Directory.GetFiles(directory, "*.requests.jsonl"))
            {
                foreach (var line in File.ReadLines(file))
                {
                    if (string.IsNullOrWhiteSpace(line)) continue;
                    try
                    {
                        if (FromCapture(line) is { } json) seeds.Add(json);
                    }
                    catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException or KeyNotFoundException)
                    {
                        // A capture line of a shape this loader does not know: skip it.
                    }
                }
            }
        }
        return seeds;
    }

    private static IEnumerable<string> BuiltIn()
    {
        yield return $$$"""[{"event":"Signed up","properties":{"token":"{{{Token}}}","distinct_id":"u1","time":TIME_S,"$insert_id":"a1","plan":"pro","n":[1,2,{"k":"v"}]}}]""";
        yield return $$$"""{"event":"Page","properties":{"token":"{{{Token}}}","distinct_id":"$device:abc","time":TIME_MS,"$current_url":"https://x.example/a?utm_source=y","$referrer":"https://ref.example/"}}""";
        yield return $$$"""[{"$token":"{{{Token}}}","$distinct_id":"u1","$set":{"plan":"pro","$email":"a@b.example"}},{"$token":"{{{Token}}}","$distinct_id":"u1","$add":{"logins":1}}]""";
        yield return $$$"""[{"$token":"{{{Token}}}","$group_key":"company","$group_id":"Acme","$set":{"industry":"widgets"}},{"$token":"{{{Token}}}","$group_key":"company","$group_id":"Acme","$union":{"tags":["a"]}}]""";
        yield return $$$"""{"$token":"{{{Token}}}","$distinct_id":"u2","$unset":["plan"],"$time":TIME_MS}""";
    }

    /// <summary>The JSON payload of one captured request, or null if it has none.</summary>
    private static string? FromCapture(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        string? data = null;
        if (root.TryGetProperty("query", out var query) && query.ValueKind == JsonValueKind.Object && query.TryGetProperty("data", out var q))
            data = q.GetString();
        else if (root.TryGetProperty("url", out var url) && url.GetString() is { } text && text.Contains("data=", StringComparison.Ordinal))
            data = Uri.UnescapeDataString(text[(text.IndexOf("data=", StringComparison.Ordinal) + 5)..].Split('&')[0]);
        if (root.TryGetProperty("body", out var body))
        {
            var bodyText = body.ValueKind == JsonValueKind.Object && body.TryGetProperty("text", out var t) ? t.GetString() : body.ValueKind == JsonValueKind.String ? body.GetString() : null;
            if (!string.IsNullOrEmpty(bodyText))
            {
                if (bodyText.StartsWith("data=", StringComparison.Ordinal))
                    data = Uri.UnescapeDataString(bodyText[5..].Split('&')[0].Replace('+', ' '));
                else if (bodyText.TrimStart().StartsWith('[') || bodyText.TrimStart().StartsWith('{'))
                    return RewriteToken(bodyText);
            }
        }
        if (data is null) return null;
        var trimmed = data.Trim();
        if (trimmed.StartsWith('[') || trimmed.StartsWith('{')) return RewriteToken(trimmed);
        var padded = trimmed.Replace('-', '+').Replace('_', '/').Replace(' ', '+');
        padded += new string('=', (4 - padded.Length % 4) % 4);
        return RewriteToken(Encoding.UTF8.GetString(Convert.FromBase64String(padded)));
    }

    private static string RewriteToken(string json)
    {
        json = System.Text.RegularExpressions.Regex.Replace(json, "\"(\\$?token)\"\\s*:\\s*\"[^\"]*\"", "\"$1\":\"" + Token + "\"");
        // Times become placeholders the generator fills with its clock, so captured events stay inside /track's window.
        json = System.Text.RegularExpressions.Regex.Replace(json, "\"(\\$?time)\"\\s*:\\s*\\d{13}(\\.\\d+)?", "\"$1\":" + TimeMs);
        return System.Text.RegularExpressions.Regex.Replace(json, "\"(\\$?time)\"\\s*:\\s*\\d{10}(\\.\\d+)?", "\"$1\":" + TimeSeconds);
    }
}
