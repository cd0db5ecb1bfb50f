using System.Text;
using System.Text.RegularExpressions;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// One rule of uap-core's <c>regexes.yaml</c>: a regex and, per output field, either a replacement template (with
/// <c>$1</c>…<c>$9</c> placeholders) or the number of the capture group that supplies the field.
/// The regex is built on first use: a parse usually stops at the first few dozen matching candidates, and building
/// all 1,175 regexes up front would only add start-up time.
/// </summary>
internal sealed class UapRule
{
    /// <summary>
    /// Bounds one match on hostile input. uap's patterns are written to be bounded (<c>.{0,200}</c>, not <c>.*</c>) and
    /// inputs are cut to <see cref="UserAgentClassifier.MaxUserAgentLength"/>, so this only stops the pathological; it
    /// is wall-clock time, so it is generous enough not to fire when a busy machine merely pauses a thread.
    /// </summary>
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(2);

    private readonly string _pattern;
    private readonly RegexOptions _options;
    private readonly string?[] _templates;
    private readonly int[] _defaultGroups;
    private Regex? _regex;

    public UapRule(string pattern, bool ignoreCase, string?[] templates, int[] defaultGroups, RegexOptions extraOptions)
    {
        _pattern = pattern;
        _options = RegexOptions.CultureInvariant | extraOptions | (ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None);
        _templates = templates;
        _defaultGroups = defaultGroups;
    }

    public string Pattern => _pattern;

    /// <summary>The regex, built (once, racing threads build equal ones) on first use.</summary>
    public Regex Regex => _regex ?? Build();

    public Regex Build()
    {
        var regex = new Regex(_pattern, _options, MatchTimeout);
        Interlocked.CompareExchange(ref _regex, regex, null);
        return _regex;
    }

    /// <summary>The field values when the rule matches <paramref name="input"/>, else null.</summary>
    /// <exception cref="RegexMatchTimeoutException">The input made the regex backtrack too long.</exception>
    public string?[]? Apply(string input)
    {
        var match = Regex.Match(input);
        if (!match.Success) return null;
        var values = new string?[_templates.Length];
        for (var i = 0; i < values.Length; i++)
        {
            var template = _templates[i];
            string? value;
            if (template is not null) value = Substitute(template, match);
            else if (_defaultGroups[i] > 0 && _defaultGroups[i] < match.Groups.Count && match.Groups[_defaultGroups[i]].Success)
                value = match.Groups[_defaultGroups[i]].Value;
            else value = null;
            value = value?.Trim();
            values[i] = string.IsNullOrEmpty(value) ? null : value;
        }
        return values;
    }

    // uap's placeholders are $1..$9; a group that did not take part becomes empty text.
    private static string Substitute(string template, Match match)
    {
        if (!template.Contains('$')) return template;
        var text = new StringBuilder(template.Length + 16);
        for (var i = 0; i < template.Length; i++)
        {
            if (template[i] == '$' && i + 1 < template.Length && template[i + 1] is >= '1' and <= '9')
            {
                var group = template[i + 1] - '0';
                if (group < match.Groups.Count && match.Groups[group].Success) text.Append(match.Groups[group].ValueSpan);
                i++;
            }
            else text.Append(template[i]);
        }
        return text.ToString();
    }
}
