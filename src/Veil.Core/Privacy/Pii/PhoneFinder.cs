namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Phone numbers: E.164 (<c>+14155552671</c>), international with separators (<c>+44 20 7946 0958</c>), national
/// with a trunk zero (<c>020 7946 0958</c>, <c>06 12 34 56 78</c>), a parenthesised area code (<c>(415) 555-2671</c>)
/// or a few well-known groupings without any prefix (NANP 3-3-4, India 5-5, Brazil 2-5-4). A bare run of digits
/// without <c>+</c>, <c>0</c> or <c>(</c> is not a phone number (it is far more often an id, a price or a time) unless
/// the property is named for one (<c>phone</c>, <c>mobile</c>…). Always 9–15 digits (17 with a "00" prefix).
/// </summary>
internal static class PhoneFinder
{
    private const int MaxDigits = 17; // 15 for E.164 plus an international "00" prefix

    public static void Find(ReadOnlySpan<char> s, scoped DigitRun run, bool nameSaysPhone, ref HitBuffer hits)
    {
        var g = 0;
        while (g < run.Count)
        {
            if (!run.CanStart(g))
            {
                g++;
                continue;
            }
            // Grow the window group by group, keeping the longest that reads as a phone number.
            var found = -1;
            var digits = 0;
            var separators = DigitSeparator.None;
            var slashes = 0;
            for (var last = g; last < run.Count; last++)
            {
                digits += run.Groups[last].Length;
                if (digits > MaxDigits) break;
                if (last > g)
                {
                    separators |= run.Groups[last].Before;
                    if ((run.Groups[last].Before & DigitSeparator.Slash) != 0) slashes++;
                }
                if (run.CanEnd(last) && IsPhone(s, run, g, last, digits, separators, slashes, nameSaysPhone)) found = last;
            }
            if (found < 0)
            {
                g++;
                continue;
            }
            var start = run.CharStart(g);
            hits.Add(PiiDetector.Phone, start, run.CharEnd(found) - start);
            g = found + 1;
        }
    }

    private static bool IsPhone(
        ReadOnlySpan<char> s, scoped DigitRun run, int first, int last, int digits, DigitSeparator separators, int slashes, bool nameSaysPhone)
    {
        var groups = run.Groups;
        var groupCount = last - first + 1;
        if (!StandsApart(run, first, last, separators)) return false;
        var plus = run.IsRunStart(first) && run.LeadPlus;
        var d0 = s[groups[first].Start];

        if (slashes > 1) return false;
        if (slashes == 1)
        {
            // Only the German "030/901820" style: a trunk-zero area code, then a slash.
            if (plus || d0 != '0' || groupCount < 2 || (groups[first + 1].Before & DigitSeparator.Slash) == 0) return false;
            if (groups[first].Length is < 2 or > 5) return false;
        }

        // Mixed dots and spaces or dashes are coordinates ("+40.7128-074.0060") or versions, not a dialling style.
        if ((separators & DigitSeparator.Dot) != 0 && (separators & (DigitSeparator.Space | DigitSeparator.Dash | DigitSeparator.Slash)) != 0) return false;

        if (plus) return d0 != '0' && digits is >= 9 and <= 15;

        if (d0 == '0')
        {
            var d1 = NthDigit(s, groups, first, last, 1);
            if (d1 == '0')
            {
                // "00" international prefix: the country code never starts with 0.
                var d2 = NthDigit(s, groups, first, last, 2);
                return d2 is >= '1' and <= '9' && digits is >= 11 and <= MaxDigits;
            }
            if (digits is < 9 or > 12) return false;
            if (groupCount == 1 && digits is < 10 or > 11) return false;
            // Nine digits is a short national number ("030 901820"), written in at most two groups.
            if (digits == 9 && groupCount > 2) return false;
            if ((separators & DigitSeparator.Dot) != 0 && !DottedNationalShape(groups, first, last)) return false;
            return true;
        }

        // In a property named for a phone number, any 10–15 digits without dots will do ("4155550123", "415 5550123").
        if (nameSaysPhone && digits is >= 10 and <= 15 && (separators & DigitSeparator.Dot) == 0) return true;
        if (digits is < 10 or > 11) return false;
        if (groups[first].InParens) return groupCount >= 2 && (separators & DigitSeparator.Dot) == 0;
        if (groupCount < 2 || (separators & (DigitSeparator.Open | DigitSeparator.Close | DigitSeparator.Slash)) != 0) return false;

        var l0 = groups[first].Length;
        var l1 = groups[first + 1].Length;
        if (groupCount == 3 && l0 == 3 && l1 == 3 && groups[last].Length == 4)
            return IsNanp(s, groups[first], groups[first + 1]);
        if (groupCount == 4 && l0 == 1 && d0 == '1' && l1 == 3 && groups[first + 2].Length == 3 && groups[last].Length == 4)
            return IsNanp(s, groups[first + 1], groups[first + 2]);
        // Dots without a prefix only ever appear in the NANP 3.3.4 style; elsewhere they are versions and addresses.
        if ((separators & DigitSeparator.Dot) != 0) return false;
        if (groupCount == 2 && l0 == 5 && l1 == 5) return d0 is >= '6' and <= '9'; // Indian mobile
        if (groupCount == 3 && l0 == 2 && l1 is 4 or 5 && groups[last].Length == 4)
            return s[groups[first].Start + 1] != '0'; // Brazilian DDD 11–99
        return false;
    }

    private const DigitSeparator Plain = DigitSeparator.Space | DigitSeparator.Dash | DigitSeparator.Dot | DigitSeparator.Slash;

    /// <summary>
    /// A window that is only part of its run must be set off by a different separator from the ones inside it:
    /// "Order 12345 415-555-2671" holds a phone number, "6491 0906 3616 1671" and "BG56 DNBA 0779 8563 3467 87" do not.
    /// </summary>
    private static bool StandsApart(scoped DigitRun run, int first, int last, DigitSeparator inside)
    {
        inside &= Plain;
        if (inside == DigitSeparator.None) return true;
        if (!run.IsRunStart(first) && first > 0)
        {
            var before = run.Groups[first].Before;
            if ((before & DigitSeparator.Open) == 0 && (before & inside) != 0) return false;
        }
        if (last < run.Count - 1 && (run.Groups[last + 1].Before & inside) != 0) return false;
        return true;
    }

    /// <summary>NANP: area code and exchange both start with 2–9.</summary>
    private static bool IsNanp(ReadOnlySpan<char> s, DigitGroup area, DigitGroup exchange) =>
        s[area.Start] is >= '2' and <= '9' && s[exchange.Start] is >= '2' and <= '9';

    /// <summary>Dotted national numbers ("06.12.34.56.78") use groups of 2–4 digits and are not shaped like an IPv4 address.</summary>
    private static bool DottedNationalShape(ReadOnlySpan<DigitGroup> groups, int first, int last)
    {
        var allShort = true;
        for (var k = first; k <= last; k++)
        {
            if (groups[k].Length is < 2 or > 4) return false;
            if (groups[k].Length > 3) allShort = false;
        }
        return !(last - first + 1 == 4 && allShort);
    }

    private static char NthDigit(ReadOnlySpan<char> s, ReadOnlySpan<DigitGroup> groups, int first, int last, int n)
    {
        for (var k = first; k <= last; k++)
        {
            if (n < groups[k].Length) return s[groups[k].Start + n];
            n -= groups[k].Length;
        }
        return '\0';
    }
}
