using CsCheck;
using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

/// <summary>
/// The scanner's pre-filter (<see cref="PiiScanner.CannotHit"/>) skips every finder for most short values; these
/// check that nothing it skips could have been found, by running every finder (ungated, with the name hints that
/// loosen them) over what it rejects: generated values and the labelled corpus.
/// </summary>
public class PiiPreFilterTests
{
    private const PiiNameHints Loosest = PiiNameHints.Ssn | PiiNameHints.Phone;

    private static bool Rejects(string value) => PiiScanner.CannotHit(value, value.Count(char.IsAsciiDigit));

    // Short values near the pre-filter's edges: few digits, separators, '@', ':', letters, lengths up to 16.
    private static readonly Gen<string> NearEdge = Gen.String[Gen.Char["0123456789@:...-+() /_abcxyzAKIeyJSGsk\u0660\uff10"], 0, 16];

    private static readonly Gen<string> Shaped = Gen.Select(
        Gen.OneOf("", "a@b.co", "x@", "@", "1:2", "::1", "1.2.3", "12.3", "123", "+1", "(1)", "sk_live_", "eyJ", "AKIA", "DE89", "SG."),
        Gen.String[Gen.Char["0123456789abc .-@:"], 0, 12])
        .Select((a, b) => a + b);

    [Fact]
    public void Nothing_the_prefilter_rejects_is_found_by_any_finder() =>
        Gen.OneOf(NearEdge, Shaped).Sample(value =>
        {
            if (!Rejects(value)) return;
            Assert.False(PiiScanner.ScanWithEveryFinder(value, Loosest).HasHits, value);
            Assert.False(PiiScanner.ScanWithEveryFinder(value, PiiNameHints.None).HasHits, value);
        }, iter: 50_000);

    [Fact]
    public void The_prefilter_rejects_typical_browser_values()
    {
        foreach (var value in new[] { "google", "buy", "pro", "49.5", "utm_source", "Chrome", "Mac OS X", "2.83.0", "web", "Clicked Button" })
        {
            Assert.True(Rejects(value), value);
        }
        foreach (var value in new[] { "a@b.co", "::1", "1.2.3.4", "4155552671", "sk_live_abcdefgh", "fe80::1" })
        {
            Assert.False(Rejects(value), value);
        }
    }

    // (Labelled rows the finders miss anyway, such as a 7-digit "555-0143", count against recall in the corpus test.)
    [Fact]
    public void No_corpus_value_the_prefilter_rejects_is_found_by_any_finder()
    {
        var rejected = 0;
        foreach (var row in PiiCorpus.Load())
        {
            if (!Rejects(row.Value)) continue;
            rejected++;
            Assert.False(PiiScanner.ScanWithEveryFinder(row.Value, Loosest).HasHits, $"{row.Label}: {row.Value}");
            Assert.False(PiiScanner.ScanWithEveryFinder(row.Property, PiiNameHints.None).HasHits && Rejects(row.Property), row.Property);
        }
        Assert.True(rejected > 100, $"only {rejected} corpus values exercise the pre-filter");
    }
}
