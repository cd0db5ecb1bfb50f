using System.Text.RegularExpressions;
using Veil.Ingest.Enrichment;

namespace Veil.Ingest.Tests.Enrichment;

public sealed class UserAgentClassifierTests
{
    private static readonly UserAgentClassifier Classifier = new();

    // The user agents in shared/testdata/sdk-captures, plus everyday browsers.
    [Theory]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
        "HeadlessChrome", 156, "Linux", null, DeviceTypes.Bot)]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        "Chrome", 124, "Mac OS X", "10", DeviceTypes.Desktop)]
    [InlineData("Mozilla/5.0 (linux) AppleWebKit/537.36 (KHTML, like Gecko) jsdom/24.1.3",
        "Other", null, "Linux", null, DeviceTypes.Bot)]
    [InlineData("node", "Other", null, "Other", null, DeviceTypes.Other)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Edge", 131, "Windows", "10", DeviceTypes.Desktop)]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Firefox", 133, "Windows", "10", DeviceTypes.Desktop)]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
        "Mobile Safari", 17, "iOS", "17", DeviceTypes.Mobile)]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
        "Mobile Safari", 16, "iOS", "16", DeviceTypes.Tablet)]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
        "Chrome Mobile", 126, "Android", "14", DeviceTypes.Mobile)]
    [InlineData("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Chrome", 126, "Android", "13", DeviceTypes.Tablet)]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Googlebot", 2, "Other", null, DeviceTypes.Bot)]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
        "Chrome", 126, "Linux", null, DeviceTypes.Desktop)]
    [InlineData("curl/8.5.0", "curl", 8, "Other", null, DeviceTypes.Other)]
    public void Classifies_common_user_agents(string userAgent, string browser, int? major, string os, string? osMajor, string deviceType)
    {
        Assert.Equal(new DeviceInfo(browser, major, os, osMajor, deviceType), Classifier.Classify(userAgent));
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Android 5.0; Tablet; rv:41.0) Gecko/41.0 Firefox/41.0", DeviceTypes.Tablet)]
    [InlineData("Mozilla/5.0 (Android 5.0; Mobile; rv:41.0) Gecko/41.0 Firefox/41.0", DeviceTypes.Mobile)]
    [InlineData("Mozilla/5.0 (Linux; U; en-us; KFTHWI Build/JDQ39) AppleWebKit/535.19 (KHTML, like Gecko) Silk/3.6 Safari/535.19 Silk-Accelerated=true", DeviceTypes.Tablet)]
    [InlineData("Mozilla/5.0 (compatible; MSIE 10.0; Windows Phone 8.0; Trident/6.0; IEMobile/10.0; ARM; Touch; NOKIA; Lumia 920)", DeviceTypes.Mobile)]
    [InlineData("Mozilla/5.0 (Linux; Android 6.0.1; Moto G (4) Build/MPJ24.139-64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/65.0.3325.146 Mobile Safari/537.36 PTST/180521.140508", DeviceTypes.Bot)]
    [InlineData("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", DeviceTypes.Bot)]
    [InlineData("Mozilla/5.0 (PlayStation Vita 1.81) AppleWebKit/531.22.8 (KHTML, like Gecko) Silk/3.2", DeviceTypes.Other)]
    [InlineData("HbbTV/1.1.1 (;Panasonic;VIERA 2012;1.261;0071-3103 2000-0000;)", DeviceTypes.Other)]
    [InlineData("python-requests/2.31.0", DeviceTypes.Other)]
    [InlineData("Opera/9.80 (Windows NT 5.1; U; ru) Presto/2.5.24 Version/10.53", DeviceTypes.Desktop)]
    public void Device_type_follows_device_family_and_os(string userAgent, string deviceType)
    {
        Assert.Equal(deviceType, Classifier.Classify(userAgent).DeviceType);
    }

    [Fact]
    public void Replacement_templates_substitute_capture_groups()
    {
        // family_replacement: '$1 for ArcGIS' and 'ArcGIS Runtime SDK for $1'.
        Assert.Equal("Collector for ArcGIS", Classifier.Classify("Collector-iOS-19.0.1").BrowserFamily);
        Assert.Equal("ArcGIS Runtime SDK for Qt", Classifier.Classify("ArcGISRuntime-Qt/100.2.1").BrowserFamily);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Absent_user_agents_are_unknown(string? userAgent)
    {
        Assert.Same(DeviceInfo.Unknown, Classifier.Classify(userAgent));
    }

    [Fact]
    public void Results_are_cached_by_user_agent()
    {
        var classifier = new UserAgentClassifier(cacheCapacity: 2);
        const string chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

        Assert.Same(classifier.Classify(chrome), classifier.Classify(chrome));
    }

    [Fact]
    public void Overlong_user_agents_are_cut_before_parsing()
    {
        var longUa = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 "
            + new string('x', 100_000);

        var info = Classifier.Classify(longUa);

        Assert.Equal("Chrome", info.BrowserFamily);
        Assert.Equal(126, info.BrowserMajor);
    }

    [Fact]
    public void Every_rule_compiles_as_a_dotnet_regex()
    {
        var rules = UapRuleSet.LoadEmbedded();

        Assert.True(rules.Count > 1000, $"{rules.Count} rules");
        foreach (var rule in rules.Sections.SelectMany(s => s)) Assert.IsType<Regex>(rule.Build());
    }

    [Fact]
    public void Concurrent_classification_agrees_with_sequential()
    {
        // Every fifth sample user agent keeps this to a few hundred cold parses.
        var userAgents = UapSampleCase.Load().Select(c => c.UserAgent).Distinct().Where((_, i) => i % 5 == 0).ToArray();
        var sequential = new UserAgentClassifier(cacheCapacity: 20);
        var expected = userAgents.Select(sequential.Classify).ToArray();

        var shared = new UserAgentClassifier(cacheCapacity: 20);
        var actual = new DeviceInfo[userAgents.Length * 4];
        Parallel.For(0, actual.Length, i => actual[i] = shared.Classify(userAgents[i % userAgents.Length]));

        for (var i = 0; i < actual.Length; i++) Assert.Equal(expected[i % userAgents.Length], actual[i]);
    }
}
