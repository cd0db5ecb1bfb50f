using System.Globalization;
using System.Text.RegularExpressions;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// Turns a user-agent string into browser/OS family, major versions and a coarse device class (promise 2), with
/// uap-core's rules (Apache-2.0; embedded, so no npm at run time). A cold parse tries up to ~1,200 regexes, so results
/// are kept in a bounded LRU keyed by the string: real traffic has few distinct user agents. Thread-safe.
/// </summary>
public sealed partial class UserAgentClassifier
{
    /// <summary>Longer user agents are cut to this many characters before parsing (bounds regex work on hostile input).</summary>
    public const int MaxUserAgentLength = 1024;

    /// <summary>Distinct user agents remembered by default.</summary>
    public const int DefaultCacheCapacity = 10_000;

    private readonly UapRuleSet _rules;
    private readonly BoundedLruCache<string, DeviceInfo> _cache;

    /// <summary>Loads the embedded uap-core rules; their regexes are built lazily, on first use.</summary>
    public UserAgentClassifier(int cacheCapacity = DefaultCacheCapacity)
        : this(UapRuleSet.LoadEmbedded(), cacheCapacity)
    {
    }

    internal UserAgentClassifier(UapRuleSet rules, int cacheCapacity = DefaultCacheCapacity)
    {
        _rules = rules;
        _cache = new BoundedLruCache<string, DeviceInfo>(cacheCapacity, StringComparer.Ordinal);
    }

    /// <summary>Number of uap-core rules loaded (user agent, OS and device together).</summary>
    public int RuleCount => _rules.Count;

    /// <summary>Classifies a user agent; null, empty or unrecognised strings give <see cref="DeviceInfo.Unknown"/>-like answers, never an exception.</summary>
    public DeviceInfo Classify(string? userAgent)
    {
        if (string.IsNullOrWhiteSpace(userAgent)) return DeviceInfo.Unknown;
        var key = userAgent.Length > MaxUserAgentLength ? userAgent[..MaxUserAgentLength] : userAgent;
        if (_cache.TryGet(key, out var cached)) return cached;
        // A rule that ran out of time says nothing about the browser; not cached, so a slow moment is not remembered.
        if (TryParse(key) is not { } parse) return DeviceInfo.Unknown;
        var info = new DeviceInfo(
            parse.BrowserFamily,
            int.TryParse(parse.BrowserMajor, NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : null,
            parse.OsFamily,
            parse.OsMajor,
            DeviceTypeOf(key, parse));
        _cache.Set(key, info);
        return info;
    }

    /// <summary>uap-core's answer without caching or reduction (tests compare it with uap's own expectations).</summary>
    internal UserAgentParse Parse(string userAgent) =>
        TryParse(userAgent) ?? new UserAgentParse("Other", null, "Other", null, "Other", null, null);

    /// <summary>uap-core's answer, or null when a rule exceeded <see cref="UapRule.MatchTimeout"/>.</summary>
    private UserAgentParse? TryParse(string userAgent)
    {
        try
        {
            var ua = FirstMatch(UapSection.UserAgent, userAgent);
            var os = FirstMatch(UapSection.Os, userAgent);
            var device = FirstMatch(UapSection.Device, userAgent);
            return new UserAgentParse(
                ua?[0] ?? "Other", ua?[1],
                os?[0] ?? "Other", os?[1],
                device?[0] ?? "Other", device?[1], device?[2]);
        }
        catch (RegexMatchTimeoutException)
        {
            // Crafted to make a rule backtrack (or a machine stalled): not worth more CPU.
            return null;
        }
    }

    private string?[]? FirstMatch(UapSection section, string userAgent)
    {
        foreach (var rule in _rules.Sections[(int)section])
        {
            if (rule.Apply(userAgent) is { } values) return values;
        }
        return null;
    }

    internal static string DeviceTypeOf(string userAgent, in UserAgentParse parse)
    {
        if (parse.DeviceFamily == "Spider" || BotFamily().IsMatch(parse.BrowserFamily) || AutomationToken().IsMatch(userAgent))
            return DeviceTypes.Bot;
        if (OtherDeviceToken().IsMatch(userAgent) || OtherDeviceFamily().IsMatch(parse.DeviceFamily) || OtherDeviceFamily().IsMatch(parse.OsFamily))
            return DeviceTypes.Other;
        if (IsTablet(userAgent, parse)) return DeviceTypes.Tablet;
        if (IsMobile(userAgent, parse)) return DeviceTypes.Mobile;
        if (IsDesktopOs(parse.OsFamily) && LooksLikeBrowser(userAgent)) return DeviceTypes.Desktop;
        return DeviceTypes.Other;
    }

    private static bool IsTablet(string userAgent, in UserAgentParse parse)
    {
        var family = parse.DeviceFamily;
        if (family.StartsWith("iPad", StringComparison.Ordinal) || family.StartsWith("Kindle", StringComparison.Ordinal)
            || family == "Generic Tablet" || parse.DeviceBrand == "Generic_Android_Tablet" || TabletFamily().IsMatch(family))
            return true;
        if (TabletToken().IsMatch(userAgent)) return true;
        // Android browsers on tablets leave out "Mobile" (Chrome's documented convention).
        return parse.OsFamily == "Android" && LooksLikeBrowser(userAgent) && !MobileToken().IsMatch(userAgent);
    }

    private static bool IsMobile(string userAgent, in UserAgentParse parse)
    {
        var family = parse.DeviceFamily;
        if (family.StartsWith("iPhone", StringComparison.Ordinal) || family.StartsWith("iPod", StringComparison.Ordinal)
            || family is "Generic Smartphone" or "Generic Feature Phone" || parse.DeviceBrand == "Generic_Android")
            return true;
        return MobileOs().IsMatch(parse.OsFamily) || MobileToken().IsMatch(userAgent);
    }

    private static bool IsDesktopOs(string os) =>
        os.StartsWith("Windows", StringComparison.Ordinal) || os.StartsWith("Mac", StringComparison.Ordinal) || DesktopOs().IsMatch(os);

    private static bool LooksLikeBrowser(string userAgent) =>
        userAgent.StartsWith("Mozilla/", StringComparison.Ordinal) || userAgent.StartsWith("Opera/", StringComparison.Ordinal);

    [GeneratedRegex(@"bot|spider|crawl|slurp|headless|preview|scraper|pingdom|monitor", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BotFamily();

    [GeneratedRegex(@"HeadlessChrome|jsdom/|PhantomJS|Puppeteer|Selenium|WebDriver|Lighthouse|PTST/", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AutomationToken();

    [GeneratedRegex(@"HbbTV|SMART-?TV|SmartTV|GoogleTV|Android TV|AppleTV|Apple TV|CrKey|Roku|BRAVIA|NetCast|PlayStation|Xbox|Nintendo|OculusBrowser|watchOS|Apple Watch|tvOS|HomePod", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex OtherDeviceToken();

    [GeneratedRegex(@"TV|PlayStation|Xbox|Nintendo|Watch|HomePod|^Quest", RegexOptions.CultureInvariant)]
    private static partial Regex OtherDeviceFamily();

    [GeneratedRegex(@"Tablet|Playbook|TouchPad|Galaxy Tab|^Nexus (7|9|10)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TabletFamily();

    [GeneratedRegex(@"\bTablet\b|\biPad\b|PlayBook|hp-tablet|\bKF[A-Z]{2,4}\b", RegexOptions.CultureInvariant)]
    private static partial Regex TabletToken();

    [GeneratedRegex(@"Mobile|Mobi\b|Opera Mini|iPhone|Windows Phone|IEMobile|Profile/MIDP", RegexOptions.CultureInvariant)]
    private static partial Regex MobileToken();

    [GeneratedRegex(@"^(iOS|Android|Windows Phone|Windows Mobile|Windows CE|BlackBerry|Symbian|Nokia Series|Series ?[46]0|Firefox OS|KaiOS|Bada|MeeGo|Maemo|webOS|Tizen|Sailfish|BREW|Brew MP|Ubuntu Touch|HarmonyOS)", RegexOptions.CultureInvariant)]
    private static partial Regex MobileOs();

    [GeneratedRegex(@"Linux|BSD|Ubuntu|Debian|Fedora|Red Hat|CentOS|Gentoo|Mandriva|SUSE|Slackware|Mint|Chrome ?OS|Solaris|Haiku|Kubuntu|Arch", RegexOptions.CultureInvariant)]
    private static partial Regex DesktopOs();
}
