using System.Globalization;

namespace Veil.Storage;

/// <summary>Where a page of a person's event timeline (newest first) ends: the last event's time and insert id.</summary>
public readonly record struct TimelineCursor(long TimeMs, string InsertId)
{
    /// <summary>Opaque text for an API's <c>next</c> field.</summary>
    public override string ToString() =>
        Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{TimeMs}:{InsertId}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Parses text made by <see cref="ToString"/>; false for anything else.</summary>
    public static bool TryParse(string? text, out TimelineCursor cursor)
    {
        cursor = default;
        if (string.IsNullOrEmpty(text) || text.Length > 200) return false;
        var base64 = text.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            return false;
        }
        var decoded = System.Text.Encoding.UTF8.GetString(bytes);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || !long.TryParse(decoded.AsSpan(0, colon), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var time)) return false;
        cursor = new TimelineCursor(time, decoded[(colon + 1)..]);
        return true;
    }
}
