namespace Veil.Core.Privacy.Pii;

/// <summary>
/// IBANs: a country code from the registry, two check digits and a BBAN of the country's length, written solid or
/// in groups of four, whose ISO 7064 mod-97 remainder is 1.
/// </summary>
internal static class IbanFinder
{
    private const int MaxLength = 34;

    /// <summary>IBAN length per country (SWIFT IBAN registry; all SEPA countries and more).</summary>
    private const string Registry =
        "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DK18 DO28 EE20 EG29 ES24 " +
        "FI18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HR21 HU28 IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 " +
        "LI21 LT20 LU20 LV21 MC27 MD24 ME22 MK19 MR27 MT31 MU30 NL18 NO15 PK24 PL28 PS29 PT25 QA29 RO24 RS22 SA24 " +
        "SC31 SE24 SI19 SK24 SM27 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20";

    /// <summary>Length by country code, indexed (first letter × 26 + second letter); 0 for no IBAN.</summary>
    private static readonly byte[] Lengths = BuildLengths();

    private static byte[] BuildLengths()
    {
        var lengths = new byte[26 * 26];
        foreach (var entry in Registry.Split(' '))
        {
            lengths[(entry[0] - 'A') * 26 + (entry[1] - 'A')] = byte.Parse(entry.AsSpan(2), provider: null);
        }
        return lengths;
    }

    /// <summary>The IBAN length for a country code, or 0.</summary>
    internal static int LengthFor(char a, char b)
    {
        a = char.ToUpperInvariant(a);
        b = char.ToUpperInvariant(b);
        return char.IsAsciiLetterUpper(a) && char.IsAsciiLetterUpper(b) ? Lengths[(a - 'A') * 26 + (b - 'A')] : 0;
    }

    public static void Find(ReadOnlySpan<char> s, ref HitBuffer hits)
    {
        Span<char> iban = stackalloc char[MaxLength];
        var i = 0;
        while (i + 4 <= s.Length)
        {
            if (!char.IsAsciiLetter(s[i]) || (i > 0 && PiiText.IsWordChar(s[i - 1])) ||
                !char.IsAsciiLetter(s[i + 1]) || char.IsAsciiLetterUpper(s[i]) != char.IsAsciiLetterUpper(s[i + 1]) ||
                !char.IsAsciiDigit(s[i + 2]) || !char.IsAsciiDigit(s[i + 3]))
            {
                i++;
                continue;
            }
            var length = LengthFor(s[i], s[i + 1]);
            if (length > 0 && TryRead(s, i, length, iban, out var end) && IsValid(iban[..length]))
            {
                hits.Add(PiiDetector.Iban, i, end - i);
                i = end;
                continue;
            }
            i++;
        }
    }

    /// <summary>Reads <paramref name="length"/> alphanumerics from <paramref name="start"/>, allowing one space between groups of four.</summary>
    private static bool TryRead(ReadOnlySpan<char> s, int start, int length, Span<char> iban, out int end)
    {
        var count = 0;
        var pos = start;
        end = start;
        while (count < length)
        {
            if (pos >= s.Length) return false;
            var c = s[pos];
            if (c == ' ' && count % 4 == 0 && count > 0 && pos + 1 < s.Length && char.IsAsciiLetterOrDigit(s[pos + 1]) && s[pos - 1] != ' ')
            {
                pos++;
                continue;
            }
            if (!char.IsAsciiLetterOrDigit(c)) return false;
            iban[count++] = char.ToUpperInvariant(c);
            pos++;
        }
        if (pos < s.Length && PiiText.IsWordChar(s[pos])) return false;
        end = pos;
        return true;
    }

    /// <summary>ISO 7064 MOD 97-10 over the rearranged IBAN (letters as 10–35), with check digits 02–98.</summary>
    internal static bool IsValid(ReadOnlySpan<char> iban)
    {
        if (iban.Length < 5) return false;
        var check = (iban[2] - '0') * 10 + (iban[3] - '0');
        if (check is < 2 or > 98) return false;
        var remainder = 0;
        for (var k = 0; k < iban.Length; k++)
        {
            var c = iban[(k + 4) % iban.Length];
            if (char.IsAsciiDigit(c)) remainder = (remainder * 10 + (c - '0')) % 97;
            else if (char.IsAsciiLetterUpper(c)) remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            else return false;
        }
        return remainder == 1;
    }
}
