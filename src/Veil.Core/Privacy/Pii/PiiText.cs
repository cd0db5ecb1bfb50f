using System.Buffers;

namespace Veil.Core.Privacy.Pii;

/// <summary>Character classes shared by the detectors.</summary>
internal static class PiiText
{
    // IndexOfAnyInRange<char> allocates on this runtime; SearchValues does not and is vectorised too.
    public static readonly SearchValues<char> Digits = SearchValues.Create("0123456789");
    public static readonly SearchValues<char> Letters = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");

    /// <summary>A letter, digit or underscore: the characters that glue a candidate into a longer token.</summary>
    public static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    public static bool IsBase64UrlChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_';

    public static bool DigitAt(ReadOnlySpan<char> s, int index) => (uint)index < (uint)s.Length && char.IsAsciiDigit(s[index]);

    /// <summary>How many distinct ASCII characters a token uses: a cheap stand-in for entropy.</summary>
    public static int DistinctAscii(ReadOnlySpan<char> token)
    {
        ulong low = 0, high = 0;
        foreach (var c in token)
        {
            if (c < 64) low |= 1UL << c;
            else if (c < 128) high |= 1UL << (c - 64);
        }
        return System.Numerics.BitOperations.PopCount(low) + System.Numerics.BitOperations.PopCount(high);
    }
}
