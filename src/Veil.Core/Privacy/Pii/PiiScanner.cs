using System.Buffers;
using System.Runtime.CompilerServices;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Finds personal data and secrets in property values and names (promise 2). Pure code: hand-written scanners, no
/// regular expressions, linear in the length of the text. One counting pass decides which detectors can possibly
/// hit (no '@', no email check; fewer than 9 digits, no phone, card or SSN check), so a typical short browser
/// property costs well under a microsecond, and a text with no hits allocates nothing. Thread-safe.
/// </summary>
public sealed class PiiScanner
{
    private const int InitialHits = 16;

    private static readonly SearchValues<char> DigitRunStarts = SearchValues.Create("0123456789+(");

    /// <summary>A shared scanner; it holds no state.</summary>
    public static PiiScanner Default { get; } = new();

    /// <summary>Scans one property value. The name decides <see cref="PiiDetector.SecretByName"/> (then the whole
    /// non-empty value is one hit), lets nine bare digits count as an SSN in an <c>ssn</c>/<c>social…</c> property and
    /// bare or loosely grouped digits as a phone number in a <c>phone</c>/<c>mobile</c>/<c>tel…</c> property, and
    /// turns off the IPv4 check in version-like properties (<c>app_version: "1.2.3.4"</c>).</summary>
    public PiiScanResult Scan(string propertyName, string value) => Scan(propertyName.AsSpan(), value.AsSpan());

    /// <inheritdoc cref="Scan(string, string)"/>
    public PiiScanResult Scan(ReadOnlySpan<char> propertyName, ReadOnlySpan<char> value)
    {
        if (value.IsEmpty) return default;
        if (PropertyNameWords.IsSecret(propertyName)) return new PiiScanResult([new PiiHit(PiiDetector.SecretByName, 0, value.Length)]);
        var digits = CountDigits(value);
        var names = PiiNameHints.None;
        if (digits >= 9 && PropertyNameWords.SaysSsn(propertyName)) names |= PiiNameHints.Ssn;
        if (digits >= 9 && PropertyNameWords.SaysPhone(propertyName)) names |= PiiNameHints.Phone;
        if (digits >= 4 && PropertyNameWords.SaysVersion(propertyName)) names |= PiiNameHints.Version;
        return ScanText(value, digits, names);
    }

    /// <summary>Scans a property name as text, e.g. a property called <c>jane@example.com</c>. No <see cref="PiiDetector.SecretByName"/> here.</summary>
    public PiiScanResult ScanName(string name) => ScanName(name.AsSpan());

    /// <inheritdoc cref="ScanName(string)"/>
    public PiiScanResult ScanName(ReadOnlySpan<char> name) =>
        name.IsEmpty ? default : ScanText(name, CountDigits(name), PiiNameHints.None);

    /// <summary>Whether a property with this name holds a secret whatever its value (<c>password</c>, <c>apiKey</c>, <c>X-Auth-Token</c>…).</summary>
    public static bool IsSecretName(string propertyName) => PropertyNameWords.IsSecret(propertyName);

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        if (!text.ContainsAny(PiiText.Digits)) return 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (char.IsAsciiDigit(c)) digits++;
        }
        return digits;
    }

    /// <summary>
    /// The pre-filter: true when no detector can hit <paramref name="text"/>, which is most short property values and
    /// names ("google", "49.5", "2.83.0", "utm_source"). Every detector needs one of: an '@' (email), a ':' (IPv6),
    /// 9 digits (phone, card, SSN), 4 digits and 3 dots (IPv4), or at least <see cref="ApiKeyFinder.MinLength"/>
    /// chars (IBAN, JWT and API keys are all longer). A property test runs every finder over values this rejects.
    /// </summary>
    internal static bool CannotHit(ReadOnlySpan<char> text, int digits) =>
        text.Length < ApiKeyFinder.MinLength && digits < 9 && text.IndexOfAny('@', ':') < 0 && (digits < 4 || text.Count('.') < 3);

    /// <summary>Every finder over <paramref name="text"/>, none skipped by the cheap checks: the reference for tests of those checks.</summary>
    internal static PiiScanResult ScanWithEveryFinder(ReadOnlySpan<char> text, PiiNameHints names)
    {
        var hits = new HitBuffer(stackalloc PiiHit[InitialHits]);
        try
        {
            EmailFinder.Find(text, ref hits);
            FindDigitRuns(text, CountDigits(text), names, ref hits);
            IbanFinder.Find(text, ref hits);
            if ((names & PiiNameHints.Version) == 0) IpAddressFinder.FindV4(text, ref hits);
            IpAddressFinder.FindV6(text, ref hits);
            JwtFinder.Find(text, ref hits);
            ApiKeyFinder.Find(text, ref hits);
            return hits.ToResult();
        }
        finally
        {
            hits.Dispose();
        }
    }

    [SkipLocalsInit] // the hit buffer is written before it is read
    private static PiiScanResult ScanText(ReadOnlySpan<char> text, int digits, PiiNameHints names)
    {
        if (CannotHit(text, digits)) return default;
        var hasAt = text.Contains('@');
        var colons = text.Count(':');
        var dots = text.Count('.');
        var hits = new HitBuffer(stackalloc PiiHit[InitialHits]);
        try
        {
            if (hasAt && text.Length >= 6) EmailFinder.Find(text, ref hits);
            if (digits >= 9) FindDigitRuns(text, digits, names, ref hits);
            if (digits >= 2 && text.Length >= 15) IbanFinder.Find(text, ref hits);
            if ((names & PiiNameHints.Version) == 0 && digits >= 4 && dots >= 3) IpAddressFinder.FindV4(text, ref hits);
            if (colons >= 2) IpAddressFinder.FindV6(text, ref hits);
            if (dots >= 2 && text.Length >= 20) JwtFinder.Find(text, ref hits);
            if (text.Length >= ApiKeyFinder.MinLength) ApiKeyFinder.Find(text, ref hits);
            return hits.ToResult();
        }
        finally
        {
            hits.Dispose();
        }
    }

    [SkipLocalsInit]
    private static void FindDigitRuns(ReadOnlySpan<char> text, int digits, PiiNameHints names, ref HitBuffer hits)
    {
        Span<DigitGroup> groups = stackalloc DigitGroup[DigitRun.Capacity];
        var pos = 0;
        var continuation = false;
        var glued = false;
        var before = DigitSeparator.None;
        while (pos < text.Length)
        {
            if (!continuation)
            {
                var offset = text[pos..].IndexOfAny(DigitRunStarts);
                if (offset < 0) return;
                pos += offset;
            }
            var run = DigitRun.Read(text, pos, groups, continuation, glued, before);
            if (run.Count > 0 && !run.LeftGlued)
            {
                PhoneFinder.Find(text, run, (names & PiiNameHints.Phone) != 0, ref hits);
                if (digits >= 13) PaymentCardFinder.Find(text, run, ref hits);
                UsSsnFinder.Find(text, run, (names & PiiNameHints.Ssn) != 0, ref hits);
            }
            continuation = run.NextIsContinuation;
            glued = run.LeftGlued;
            before = run.NextBefore;
            pos = run.Next;
        }
    }
}
