namespace Veil.Core.Privacy.Pii;

/// <summary>
/// A maximal run of digit groups joined by phone/card separators (space, dash, dot, slash, parentheses), read once
/// and shared by the phone, card and SSN detectors. Each detector then tries windows of whole groups. A run glued to
/// a longer token on its left (<c>ORD-2024…</c>, <c>DE89 3704…</c>, <c>-122.41</c>) yields no window at all, which
/// is what keeps order numbers, IBAN fragments and coordinates from reading as phone numbers.
/// </summary>
internal ref struct DigitRun
{
    /// <summary>Groups kept per read; a longer run is read in overlapping chunks so scanning stays linear.</summary>
    public const int Capacity = 48;
    /// <summary>More groups than any phone (≤ 17 digits) or card (≤ 19 digits) can span.</summary>
    private const int Overlap = 20;

    public Span<DigitGroup> Groups;
    public int Count;
    /// <summary>Offset of the run's first character, including a leading <c>+</c> or <c>(</c>.</summary>
    public int Start;
    public bool LeadPlus;
    public bool LeftGlued;
    /// <summary>Whether a window may end at the last group (the run is not glued on its right and was not cut).</summary>
    public bool RightOpen;
    /// <summary>Whether the first group continues a run cut at <see cref="Capacity"/>.</summary>
    public bool Continuation;
    /// <summary>Windows start only at groups below this index (the rest are read again in the next chunk).</summary>
    public int StartLimit;
    /// <summary>Where to look for the next run.</summary>
    public int Next;
    /// <summary>Set when <see cref="Next"/> continues this run rather than starting a new one.</summary>
    public bool NextIsContinuation;
    public DigitSeparator NextBefore;

    /// <summary>Reads the run that starts at <paramref name="pos"/> (a digit, <c>+</c> or <c>(</c>).</summary>
    public static DigitRun Read(ReadOnlySpan<char> s, int pos, Span<DigitGroup> buffer, bool continuation, bool glued, DigitSeparator firstBefore)
    {
        var run = new DigitRun { Groups = buffer, Start = pos, Continuation = continuation };
        var n = s.Length;
        var openGroup = -1;
        var before = DigitSeparator.None;
        if (continuation)
        {
            run.LeftGlued = glued;
            before = firstBefore;
            if ((before & DigitSeparator.Open) != 0) openGroup = 0;
        }
        else
        {
            if (s[pos] is '+' or '(')
            {
                if (!PiiText.DigitAt(s, pos + 1))
                {
                    run.Next = pos + 1;
                    return run;
                }
                if (s[pos] == '+') run.LeadPlus = true;
                else
                {
                    openGroup = 0;
                    before = DigitSeparator.Open;
                }
                pos++;
            }
            run.LeftGlued = IsLeftGlued(s, run.Start);
        }

        var count = 0;
        var truncated = false;
        while (true)
        {
            var groupStart = pos;
            while (pos < n && char.IsAsciiDigit(s[pos])) pos++;
            buffer[count++] = new DigitGroup { Start = groupStart, End = pos, Before = before };
            if (count == buffer.Length)
            {
                truncated = true;
                break;
            }
            if (!TryReadSeparator(s, pos, out var separator, out var next)) break;
            if ((separator & DigitSeparator.Close) != 0)
            {
                if (openGroup != count - 1) break;
                buffer[count - 1].InParens = true;
                openGroup = -1;
            }
            if ((separator & DigitSeparator.Open) != 0)
            {
                if (openGroup >= 0) break;
                openGroup = count;
            }
            before = separator;
            pos = next;
        }

        if (!truncated && openGroup >= 0)
        {
            if (openGroup == count - 1 && pos < n && s[pos] == ')')
            {
                buffer[count - 1].InParens = true;
                pos++;
            }
            else if (openGroup == 0 && !continuation)
            {
                // "(4111 1111 1111 1111)": the parenthesis wraps the whole run, not an area code.
                buffer[0].Before = DigitSeparator.None;
                run.Start = buffer[0].Start;
            }
            else
            {
                // An unclosed parenthesis inside the run: the groups from it on are not a phone number.
                count = openGroup;
            }
        }

        run.Count = count;
        if (truncated)
        {
            var cut = count - Overlap;
            run.StartLimit = cut;
            run.RightOpen = false;
            run.Next = buffer[cut].Start;
            run.NextIsContinuation = true;
            run.NextBefore = buffer[cut].Before;
        }
        else
        {
            run.StartLimit = count;
            run.RightOpen = !IsRightGlued(s, pos);
            run.Next = pos;
        }
        return run;
    }

    /// <summary>One to three separator characters (at most one of space/dash/dot/slash, each parenthesis at most once) followed by a digit.</summary>
    private static bool TryReadSeparator(ReadOnlySpan<char> s, int pos, out DigitSeparator separator, out int next)
    {
        separator = DigitSeparator.None;
        next = pos;
        var plain = 0;
        var j = pos;
        while (j < s.Length && j - pos < 3)
        {
            var kind = s[j] switch
            {
                ' ' or '\u00A0' => DigitSeparator.Space,
                '-' => DigitSeparator.Dash,
                '.' => DigitSeparator.Dot,
                '/' => DigitSeparator.Slash,
                '(' => DigitSeparator.Open,
                ')' => DigitSeparator.Close,
                _ => DigitSeparator.None,
            };
            if (kind == DigitSeparator.None) break;
            if (kind is DigitSeparator.Open or DigitSeparator.Close)
            {
                if ((separator & kind) != 0) return false;
            }
            else if (++plain > 1) return false;
            separator |= kind;
            j++;
        }
        if (j == pos || !PiiText.DigitAt(s, j)) return false;
        // ")" closes the group just read, "(" opens the next one; "( " or " )" are not phone punctuation.
        if ((separator & DigitSeparator.Close) != 0 && s[pos] != ')') return false;
        if ((separator & DigitSeparator.Open) != 0 && s[j - 1] != '(') return false;
        next = j;
        return true;
    }

    private static bool IsLeftGlued(ReadOnlySpan<char> s, int start)
    {
        if (start == 0) return false;
        var c = s[start - 1];
        if (PiiText.IsWordChar(c)) return true;
        return c switch
        {
            '.' or '-' or '/' or '\\' or '@' or '#' or '$' or '€' or '£' or '¥' or '%' or '&' or '*' or '^' or '~' or '|' or '+' or '\'' => true,
            // "tel:+1…" and "phone=…" are fine; "10:30" and "a=b=1" are not.
            ':' or '=' => start < 2 || !char.IsLetter(s[start - 2]),
            _ => false,
        };
    }

    private static bool IsRightGlued(ReadOnlySpan<char> s, int end)
    {
        if (end >= s.Length) return false;
        var c = s[end];
        if (PiiText.IsWordChar(c)) return true;
        return c switch
        {
            '.' or ',' or ':' => PiiText.DigitAt(s, end + 1),
            '-' => end + 1 < s.Length && char.IsLetterOrDigit(s[end + 1]),
            '/' or '\\' or '@' or '%' or '\'' or '°' => true,
            _ => false,
        };
    }

    /// <summary>Whether a window may start at group <paramref name="g"/>.</summary>
    public readonly bool CanStart(int g) =>
        g < StartLimit && !LeftGlued && ((g == 0 && !Continuation) || (Groups[g].Before & DigitSeparator.Space) != 0);

    /// <summary>Whether a window may end at group <paramref name="g"/>.</summary>
    public readonly bool CanEnd(int g) =>
        g == Count - 1 ? RightOpen : (Groups[g + 1].Before & DigitSeparator.Space) != 0;

    /// <summary>Whether group <paramref name="g"/> is the run's true first group and so carries its lead.</summary>
    public readonly bool IsRunStart(int g) => g == 0 && !Continuation;

    public readonly int CharStart(int g)
    {
        if (IsRunStart(g)) return Start;
        return Groups[g].Start - ((Groups[g].Before & DigitSeparator.Open) != 0 ? 1 : 0);
    }

    public readonly int CharEnd(int g) => Groups[g].End + (Groups[g].InParens ? 1 : 0);

    /// <summary>Digits in groups <paramref name="first"/>..<paramref name="last"/>.</summary>
    public readonly int DigitCount(int first, int last)
    {
        var total = 0;
        for (var k = first; k <= last; k++) total += Groups[k].Length;
        return total;
    }

    /// <summary>The last group a window starting at <paramref name="first"/> can reach with at most <paramref name="maxDigits"/> digits.</summary>
    public readonly int FurthestEnd(int first, int maxDigits)
    {
        var total = 0;
        var last = first - 1;
        for (var k = first; k < Count; k++)
        {
            total += Groups[k].Length;
            if (total > maxDigits) break;
            last = k;
        }
        return last;
    }
}
