namespace Veil.Query.Sql;

/// <summary>
/// The strict validator and escaper for property names. Names reach SQL only as JSON paths passed as parameters;
/// still, a name with quotes, backslashes or control characters is refused outright so no path can be ambiguous.
/// </summary>
public static class PropertyNames
{
    /// <summary>Longest accepted property name (Mixpanel's limit).</summary>
    public const int MaxLength = 255;

    /// <summary>Null when <paramref name="name"/> is acceptable, else why not.</summary>
    public static string? Problem(string name)
    {
        if (name.Length == 0) return "a property name may not be empty";
        if (name.Length > MaxLength) return $"a property name is at most {MaxLength} characters";
        foreach (var c in name)
        {
            if (c is '"' or '\\') return "a property name may not contain quotes or backslashes";
            if (char.IsControl(c) || char.IsSurrogate(c)) return "a property name may not contain control characters";
        }
        return null;
    }

    /// <summary>
    /// The JSON pointer (RFC 6901) of a top-level key, for use as a parameter value: <c>~</c> and <c>/</c> escaped, no
    /// other character special (a <c>$."…"</c> path would read <c>*</c> as a wildcard).
    /// </summary>
    /// <exception cref="QueryValidationException">The name is not acceptable.</exception>
    public static string JsonPath(string name)
    {
        if (Problem(name) is { } problem) throw new QueryValidationException($"Property \"{name[..Math.Min(name.Length, 64)]}\": {problem}.");
        return "/" + name.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
    }
}
