using CsCheck;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

/// <summary>
/// The minimiser cuts plain browser URLs without <see cref="Uri"/>; these hold it to the answers of its own
/// <see cref="Uri"/> path (the implementation it replaced, still used for every other URL), over generated URLs full of the characters and shapes that
/// Uri rewrites (case, ports, dot segments, escapes, user info, IP hosts, punycode, whitespace).
/// </summary>
public class UrlMinimiserPropertyTests
{
    // Mostly the plain shapes the fast path takes, with the occasional character or segment that sends a URL to Uri.
    private static readonly Gen<string> Piece = Gen.Frequency(
        (4, Gen.String[Gen.Char["abcxyzAZ0189-._~!$'()*+,;:@"], 0, 6]),
        (4, Gen.OneOf(".", "..", "/", "//", "/./", "/../", "/.well-known", "/a.", "/..b", "?", "#", "&", "=", "utm_source", "utm_id=1",
            "utm_medium=e&", "?utm_campaign=x", "gclid=X", "&&")),
        (1, Gen.String[Gen.Char["aZ09-._~!$&'()*+,;=:@/?#%[]{}|\\^` \"<>\t\u00e9\u00a0\u2028\ud800"], 0, 4]),
        (1, Gen.OneOf("%2e", "%41", "%zz", "%", " ", "\\")));

    private static readonly Gen<string> Host = Gen.OneOf(
        Gen.OneOf("shop.example", "www.google.com", "a.b", "x-y.example", "localhost", "example.com.", ".example", "a..b", "-a.com", "a-.com",
            "EXAMPLE.com", "xn--bcher-kva.example", "127.0.0.1", "0x7f.1", "1.2.3", "10.0.0.1.example", "[::1]", "user:pw@host.example",
            "host.example:443", "host.example:8080", "host.example:0080", "b\u00fccher.example", "a.b1", "a.1b", "sub.a1.co"),
        Gen.String[Gen.Char["abz09.-"], 1, 12]);

    private static readonly Gen<string> Url = Gen.Select(
        Gen.Frequency(
            (6, Gen.OneOf("https://", "http://")),
            (1, Gen.OneOf("HTTPS://", "ftp://", "https:/", "", " https://", "javascript:", "$direct", "https:", "android-app://"))),
        Host,
        Piece.List[0, 6],
        Gen.Frequency((6, Gen.Const("")), (1, Gen.OneOf(" ", "\n", "/", "."))))
        .Select((scheme, host, pieces, tail) => scheme + host + string.Concat(pieces) + tail);

    [Fact]
    public void Minimise_agrees_with_uri() =>
        Url.Sample(url => Assert.Equal(UrlMinimiser.MinimiseWithUri(url), UrlMinimiser.Minimise(url)), iter: 20_000);

    [Fact]
    public void HostOnly_agrees_with_uri() =>
        Url.Sample(url => Assert.Equal(UrlMinimiser.HostOnlyWithUri(url), UrlMinimiser.HostOnly(url)), iter: 20_000);

    [Theory]
    [InlineData("https://shop.example/pricing?utm_source=google&gclid=XYZ")]
    [InlineData("https://shop.example?utm_source=a&&utm_id&utm_medium=b=c#x")]
    [InlineData("https://shop.example/a/.b/c..d/?q=1")]
    [InlineData("https://shop.example/a/./b")]
    [InlineData("https://shop.example/a/%2E%2E/b")]
    [InlineData("http://shop.example:80/a")]
    [InlineData("https://Shop.Example/A")]
    [InlineData("https://shop.example/a b")]
    [InlineData("https://shop.example/a'b!c$(d)*e+f,g;h=i:j@k~l")]
    [InlineData("www.google.com")]
    [InlineData("WWW.Google.COM")]
    [InlineData("$direct")]
    [InlineData("  https://shop.example/  ")]
    public void Known_shapes_agree_with_uri(string url)
    {
        Assert.Equal(UrlMinimiser.MinimiseWithUri(url), UrlMinimiser.Minimise(url));
        Assert.Equal(UrlMinimiser.HostOnlyWithUri(url), UrlMinimiser.HostOnly(url));
    }
}
