namespace Veil.Core.Privacy.Pii;

/// <summary>
/// US social security numbers written <c>AAA-GG-SSSS</c> or <c>AAA GG SSSS</c>, excluding numbers never issued
/// (area 000, 666 or 9xx, group 00, serial 0000). Nine bare digits count only in a property named for an SSN.
/// </summary>
internal static class UsSsnFinder
{
    public static void Find(ReadOnlySpan<char> s, scoped DigitRun run, bool nameSaysSsn, ref HitBuffer hits)
    {
        var groups = run.Groups;
        var g = 0;
        while (g < run.Count)
        {
            if (!run.CanStart(g) || (run.IsRunStart(g) && run.LeadPlus) || groups[g].InParens)
            {
                g++;
                continue;
            }
            if (g + 2 < run.Count && groups[g].Length == 3 && groups[g + 1].Length == 2 && groups[g + 2].Length == 4 &&
                groups[g + 1].Before is DigitSeparator.Dash or DigitSeparator.Space && groups[g + 2].Before == groups[g + 1].Before &&
                !groups[g + 1].InParens && !groups[g + 2].InParens && run.CanEnd(g + 2) &&
                IsIssuable(s[groups[g].Start..groups[g].End], s[groups[g + 1].Start..groups[g + 1].End], s[groups[g + 2].Start..groups[g + 2].End]))
            {
                hits.Add(PiiDetector.UsSsn, groups[g].Start, groups[g + 2].End - groups[g].Start);
                g += 3;
                continue;
            }
            if (nameSaysSsn && groups[g].Length == 9 && run.CanEnd(g))
            {
                var digits = s[groups[g].Start..groups[g].End];
                if (IsIssuable(digits[..3], digits[3..5], digits[5..]))
                {
                    hits.Add(PiiDetector.UsSsn, groups[g].Start, 9);
                }
            }
            g++;
        }
    }

    private static bool IsIssuable(ReadOnlySpan<char> area, ReadOnlySpan<char> group, ReadOnlySpan<char> serial) =>
        area is not "000" and not "666" && area[0] != '9' && group is not "00" && serial is not "0000";
}
