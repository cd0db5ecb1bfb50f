using System.Globalization;

namespace Veil.Load;

/// <summary>Parses durations as the command line writes them: <c>30s</c>, <c>2m</c>, <c>500ms</c>, or bare seconds.</summary>
internal static class DurationText
{
    public static TimeSpan Parse(string text)
    {
        var t = text.Trim();
        var (number, scale) = t switch
        {
            _ when t.EndsWith("ms", StringComparison.Ordinal) => (t[..^2], 0.001),
            _ when t.EndsWith('s') => (t[..^1], 1.0),
            _ when t.EndsWith('m') => (t[..^1], 60.0),
            _ when t.EndsWith('h') => (t[..^1], 3600.0),
            _ => (t, 1.0),
        };
        if (!double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value < 0)
            throw new FormatException($"'{text}' is not a duration (e.g. 30s, 2m, 500ms).");
        return TimeSpan.FromSeconds(value * scale);
    }
}
