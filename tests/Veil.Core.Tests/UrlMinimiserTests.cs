using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class UrlMinimiserTests
{
    [Theory]
    [InlineData("https://shop.example/cart?email=a@b.c&utm_source=news#frag", "https://shop.example/cart?utm_source=news")]
    [InlineData("http://127.0.0.1:18081/pricing?utm_source=google&gclid=XYZ", "http://127.0.0.1:18081/pricing?utm_source=google")]
    [InlineData("https://user:pass@shop.example/a/b?token=secret", "https://shop.example/a/b")]
    [InlineData("https://shop.example", "https://shop.example/")]
    [InlineData("javascript:alert(1)", null)]
    [InlineData("not a url", null)]
    [InlineData("", null)]
    public void Urls_keep_scheme_host_path_and_campaign_keys(string input, string? expected) =>
        Assert.Equal(expected, UrlMinimiser.Minimise(input));

    [Theory]
    [InlineData("https://www.google.com/search?q=my+name", "www.google.com")]
    [InlineData("www.google.com", "www.google.com")]
    [InlineData("$direct", "$direct")]
    [InlineData("someone@example.com", null)]
    public void Referrers_keep_only_the_host(string input, string? expected) =>
        Assert.Equal(expected, UrlMinimiser.HostOnly(input));
}
