using System.Buffers;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Reads a property name as words (<c>userAPIKey</c>, <c>user_api_key</c>, <c>User-Api-Key</c> all give
/// <c>user api key</c>) and answers what the name says about its value.
/// </summary>
internal static class PropertyNameWords
{
    private const int MaxChars = 96;
    private const int MaxWords = 24;

    /// <summary>Word sequences (joined without separators) that mark a secret.</summary>
    private static readonly string[] SecretPhrases =
    [
        "password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "auth", "authorization",
        "credential", "credentials", "sessionkey", "privatekey", "secretkey", "accesskey",
    ];

    /// <summary>Last words that turn a secret-sounding name into metadata about the secret (<c>token_count</c>).</summary>
    private static readonly string[] MetadataWords =
    [
        "count", "counts", "type", "types", "length", "len", "size", "expiry", "expires", "expired", "expiration",
        "ttl", "limit", "limits", "used", "usage", "present", "set", "exists", "valid", "enabled", "required", "hint",
        "strength", "policy", "rotation", "rotated", "changed", "updated", "created", "age", "version", "name", "url",
        "endpoint", "provider", "method", "methods", "scheme", "status", "error", "errors", "id", "clicked", "shown",
        "viewed", "attempts", "attempt", "field", "label", "mode", "source", "flow", "step", "result", "success",
        "failed", "failure", "level", "score", "at", "on", "in", "date", "time",
    ];

    /// <summary>First words that make the name a question about the secret (<c>has_password</c>).</summary>
    private static readonly string[] QuestionWords = ["has", "is", "use", "uses", "should", "can", "needs", "show", "hide", "forgot"];

    private static readonly string[] SsnPhrases = ["ssn", "social", "socialsecurity", "socialsecuritynumber"];
    private static readonly string[] VersionPhrases = ["version", "ver", "build", "release", "revision", "rev", "semver"];
    private static readonly string[] PhonePhrases = ["phone", "phonenumber", "mobile", "tel", "telephone", "cell", "cellphone", "whatsapp", "fax", "sms", "msisdn"];

    // Every phrase of a list contains one of these, so a name without any of them is rejected by one vectorised search.
    private static readonly SearchValues<string> SecretHints = Hints("pass", "pwd", "secret", "token", "key", "auth", "credential");
    private static readonly SearchValues<string> SsnHints = Hints("ssn", "social");
    private static readonly SearchValues<string> PhoneHints = Hints("phone", "mobile", "tel", "cell", "whatsapp", "fax", "sms", "msisdn");
    private static readonly SearchValues<string> VersionHints = Hints("ver", "build", "release", "rev");

    private static SearchValues<string> Hints(params string[] fragments) => SearchValues.Create(fragments, StringComparison.OrdinalIgnoreCase);

    public static bool IsSecret(ReadOnlySpan<char> name) => name.ContainsAny(SecretHints) && Names(name, SecretPhrases);

    /// <summary>
    /// Whether the name holds one of <paramref name="phrases"/> and is about the value itself, not metadata about it
    /// (<c>token_count</c>, <c>phone_verified_at</c>) or a question (<c>has_password</c>).
    /// </summary>
    private static bool Names(ReadOnlySpan<char> name, string[] phrases)
    {
        if (name.IsEmpty) return false;
        Span<char> chars = stackalloc char[MaxChars];
        Span<int> starts = stackalloc int[MaxWords + 1];
        var words = Split(name, chars, starts);
        if (words == 0) return false;
        if (!ContainsPhrase(chars, starts, words, phrases)) return false;
        var last = Word(chars, starts, words - 1);
        var first = Word(chars, starts, 0);
        return words == 1 || (!IsOneOf(last, MetadataWords) && !IsOneOf(first, QuestionWords));
    }

    public static bool SaysSsn(ReadOnlySpan<char> name) => name.ContainsAny(SsnHints) && HasPhrase(name, SsnPhrases);

    public static bool SaysVersion(ReadOnlySpan<char> name) => name.ContainsAny(VersionHints) && HasPhrase(name, VersionPhrases);

    public static bool SaysPhone(ReadOnlySpan<char> name) => name.ContainsAny(PhoneHints) && Names(name, PhonePhrases);

    private static bool HasPhrase(ReadOnlySpan<char> name, string[] phrases)
    {
        if (name.IsEmpty) return false;
        Span<char> chars = stackalloc char[MaxChars];
        Span<int> starts = stackalloc int[MaxWords + 1];
        var words = Split(name, chars, starts);
        return words > 0 && ContainsPhrase(chars, starts, words, phrases);
    }

    /// <summary>
    /// Lower-cased letters and digits of each word, back to back in <paramref name="chars"/>; word i is
    /// <c>chars[starts[i]..starts[i+1]]</c>. Splits at non-alphanumerics and at camel-case humps.
    /// </summary>
    private static int Split(ReadOnlySpan<char> name, Span<char> chars, Span<int> starts)
    {
        var length = 0;
        var words = 0;
        var inWord = false;
        for (var i = 0; i < name.Length && length < chars.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                inWord = false;
                continue;
            }
            var boundary = !inWord;
            if (inWord && char.IsUpper(c))
            {
                var previous = name[i - 1];
                // "userKey" splits before K; "APIKey" splits before K (the last capital of a run followed by lower case).
                boundary = char.IsLower(previous) || char.IsDigit(previous) ||
                           (char.IsUpper(previous) && i + 1 < name.Length && char.IsLower(name[i + 1]));
            }
            if (boundary)
            {
                if (words == MaxWords) break;
                starts[words++] = length;
            }
            chars[length++] = char.ToLowerInvariant(c);
            inWord = true;
        }
        starts[words] = length;
        return words;
    }

    private static ReadOnlySpan<char> Word(ReadOnlySpan<char> chars, ReadOnlySpan<int> starts, int index) =>
        chars[starts[index]..starts[index + 1]];

    private static bool ContainsPhrase(ReadOnlySpan<char> chars, ReadOnlySpan<int> starts, int words, string[] phrases)
    {
        // Consecutive words joined sit back to back in chars, so a phrase spanning words i..j is a plain slice.
        for (var i = 0; i < words; i++)
        {
            for (var j = i; j < words && starts[j + 1] - starts[i] <= 24; j++)
            {
                if (IsOneOf(chars[starts[i]..starts[j + 1]], phrases)) return true;
            }
        }
        return false;
    }

    private static bool IsOneOf(ReadOnlySpan<char> word, string[] set)
    {
        foreach (var candidate in set)
        {
            if (word.SequenceEqual(candidate)) return true;
        }
        return false;
    }
}
