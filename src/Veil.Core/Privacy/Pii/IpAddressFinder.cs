using System.Net;
using System.Net.Sockets;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// IPv4 as four decimal octets 0–255 without leading zeros, standing alone (not part of <c>1.2.3.4.5</c>,
/// <c>v1.2.3.4</c> or <c>1.2.3.4-beta</c>); IPv6 as a token of hex groups and at least two colons that
/// <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/> accepts.
/// </summary>
internal static class IpAddressFinder
{
    private const int MaxV6Length = 45;

    public static void FindV4(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        var i = 0;
        while (i < s.Length)
        {
            var offset = s[i..].IndexOfAny(PiiText.Digits);
            if (offset < 0) return;
            i += offset;
            if (i > 0 && (IsGlue(s[i - 1]) || IsProductToken(s, i)))
            {
                i = SkipDigitsAndDots(s, i);
                continue;
            }
            var pos = i;
            var octets = 0;
            while (octets < 4)
            {
                if (!TryOctet(s, ref pos)) break;
                octets++;
                if (octets < 4)
                {
                    if (pos >= s.Length || s[pos] != '.') break;
                    pos++;
                }
            }
            if (octets == 4 && !IsGluedRight(s, pos))
            {
                hits.Add(PiiDetector.IpAddress, i, pos - i);
                i = pos;
                continue;
            }
            i = SkipDigitsAndDots(s, i);
        }
    }

    /// <summary>"Chrome/120.0.0.0" is a product version, not an address; "http://10.0.0.1" is an address.</summary>
    private static bool IsProductToken(ReadOnlySpan<char> s, int i) => s[i - 1] == '/' && i >= 2 && char.IsLetterOrDigit(s[i - 2]);

    private static bool IsGlue(char c) => PiiText.IsWordChar(c) || c is '.' or '-' or '+' or '$' or '€' or '£';

    private static bool IsGluedRight(ReadOnlySpan<char> s, int end)
    {
        if (end >= s.Length) return false;
        var c = s[end];
        if (PiiText.IsWordChar(c)) return true;
        return c switch
        {
            '.' => PiiText.DigitAt(s, end + 1),
            '-' or '+' => end + 1 < s.Length && char.IsLetterOrDigit(s[end + 1]),
            _ => false,
        };
    }

    private static bool TryOctet(ReadOnlySpan<char> s, ref int pos)
    {
        var start = pos;
        var value = 0;
        while (pos < s.Length && pos - start < 4 && char.IsAsciiDigit(s[pos]))
        {
            value = value * 10 + (s[pos] - '0');
            pos++;
        }
        var length = pos - start;
        if (length is 0 or > 3 || value > 255) return false;
        return length == 1 || s[start] != '0';
    }

    private static int SkipDigitsAndDots(ReadOnlySpan<char> s, int i)
    {
        while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.')) i++;
        return i;
    }

    public static void FindV6(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        var i = 0;
        while (i < s.Length)
        {
            var offset = s[i..].IndexOf(':');
            if (offset < 0) return;
            var colon = i + offset;
            var start = colon;
            while (start > 0 && IsV6Char(s[start - 1])) start--;
            var end = colon;
            while (end < s.Length && IsV6Char(s[end])) end++;
            i = end;
            // A trailing full stop ends a sentence, not an address.
            while (end > start && s[end - 1] == '.') end--;
            if (start > 0 && PiiText.IsWordChar(s[start - 1])) continue;
            if (end < s.Length && PiiText.IsWordChar(s[end])) continue;
            var token = s[start..end];
            if (LooksLikeV6(token) && IPAddress.TryParse(token, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                hits.Add(PiiDetector.IpAddress, start, end - start);
            }
        }
    }

    private static bool IsV6Char(char c) => char.IsAsciiHexDigit(c) || c is ':' or '.';

    /// <summary>
    /// A cheap structural check before the parser: at least two colons and two non-empty hex groups, a decimal digit
    /// somewhere (so words like <c>dead::beef</c> pass only as addresses rarely do), eight groups unless "::"
    /// compresses them. It keeps times ("10:30:00") and MAC addresses away from the parser.
    /// </summary>
    private static bool LooksLikeV6(ReadOnlySpan<char> token)
    {
        if (token.Length is < 3 or > MaxV6Length) return false;
        var colons = 0;
        var groups = 0;
        var groupLength = 0;
        var hasDigit = false;
        var dotted = false;
        foreach (var c in token)
        {
            if (c == ':')
            {
                colons++;
                if (groupLength > 0) groups++;
                groupLength = 0;
                continue;
            }
            if (c == '.') dotted = true;
            else if (char.IsAsciiDigit(c)) hasDigit = true;
            groupLength++;
            if (groupLength > 4 && !dotted) return false;
        }
        if (groupLength > 0) groups++;
        if (colons < 2 || groups < 2 || !hasDigit) return false;
        var compressed = token.Contains("::", StringComparison.Ordinal);
        if (!compressed && groups != (dotted ? 7 : 8)) return false;
        return true;
    }
}
