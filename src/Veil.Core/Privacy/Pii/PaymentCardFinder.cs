namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Payment card numbers: 13–19 digits, optionally grouped by single spaces or dashes, with a known brand prefix
/// (IIN) and length, and a valid Luhn check digit. The prefix table keeps random Luhn-valid numbers (one in ten of
/// all numbers) from reading as cards. Thirteen-digit numbers are EAN-13 barcodes far more often than the retired
/// 13-digit Visa and Maestro numbers, so the shortest card accepted has 14 digits (Diners).
/// </summary>
internal static class PaymentCardFinder
{
    private const int MinDigits = 13;
    private const int MaxDigits = 19;

    public static void Find(ReadOnlySpan<char> s, scoped DigitRun run, ref HitBuffer hits)
    {
        Span<byte> digits = stackalloc byte[MaxDigits];
        var g = 0;
        while (g < run.Count)
        {
            if (!run.CanStart(g) || (run.IsRunStart(g) && run.LeadPlus))
            {
                g++;
                continue;
            }
            // Grow the window group by group. The longest brand-shaped window decides: a 19-digit number that fails
            // Luhn is a wrong number, not a 16-digit card followed by three stray digits.
            var found = -1;
            var count = 0;
            var luhn = false;
            for (var last = g; last < run.Count; last++)
            {
                var group = run.Groups[last];
                if (last > g && (group.InParens || group.Before is not (DigitSeparator.Space or DigitSeparator.Dash))) break;
                if (count + group.Length > MaxDigits) break;
                for (var i = group.Start; i < group.End; i++) digits[count++] = (byte)(s[i] - '0');
                if (count >= MinDigits && run.CanEnd(last) && IsKnownBrand(digits[..count]))
                {
                    found = last;
                    luhn = LuhnValid(digits[..count]);
                }
                // A card in parentheses is the whole parenthesised group.
                if (group.InParens) break;
            }
            if (!luhn) found = -1;
            if (found < 0)
            {
                g++;
                continue;
            }
            var start = run.Groups[g].Start;
            hits.Add(PiiDetector.PaymentCard, start, run.Groups[found].End - start);
            g = found + 1;
        }
    }

    /// <summary>Brand prefixes and lengths (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro, Mir).</summary>
    internal static bool IsKnownBrand(ReadOnlySpan<byte> d)
    {
        var length = d.Length;
        var p2 = d[0] * 10 + d[1];
        var p3 = p2 * 10 + d[2];
        var p4 = p3 * 10 + d[3];
        if (d[0] == 4) return length is 16 or 19;
        if (p2 is >= 51 and <= 55 || p4 is >= 2221 and <= 2720) return length == 16;
        if (p2 is 34 or 37) return length == 15;
        if (p4 == 6011 || p3 is >= 644 and <= 649 || p2 == 65) return length is >= 16 and <= 19;
        if (p4 is >= 3528 and <= 3589) return length is >= 16 and <= 19;
        if (p3 is >= 300 and <= 305 || p4 == 3095 || p2 is 36 or 38 or 39) return length is >= 14 and <= 19;
        if (p2 == 62) return length is >= 16 and <= 19;
        if (p2 is 50 or 56 or 57 or 58 || p4 is 6304 or 6759 or 6761 or 6762 or 6763) return length is >= 16 and <= 19;
        if (p4 is >= 2200 and <= 2204) return length is >= 16 and <= 19;
        return false;
    }

    internal static bool LuhnValid(ReadOnlySpan<byte> d)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = d.Length - 1; i >= 0; i--)
        {
            var v = d[i];
            if (doubleIt)
            {
                v *= 2;
                if (v > 9) v -= 9;
            }
            sum += v;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }
}
