using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiScannerCostTests
{
    /// <summary>The properties mixpanel-browser sends with a page view, plus a few custom ones.</summary>
    private static readonly (string Name, string Value)[] BrowserEvent =
    [
        ("$os", "Mac OS X"),
        ("$browser", "Chrome"),
        ("$current_url", "https://shop.example.com/products/sneakers-air-42?ref=home&utm_source=newsletter"),
        ("$browser_version", "124"),
        ("$screen_height", "1117"),
        ("$screen_width", "1728"),
        ("mp_lib", "web"),
        ("$lib_version", "2.49.0"),
        ("$insert_id", "k3n5w7ahq2x9v1tz"),
        ("time", "1705314600.123"),
        ("distinct_id", "$device:18c4f5a2-7b3e-4c1d-9f2a-6e8b0c3d5f71"),
        ("$device_id", "18c4f5a2-7b3e-4c1d-9f2a-6e8b0c3d5f71"),
        ("$initial_referrer", "https://www.google.com/"),
        ("product_title", "Air Runner 42 – Midnight Blue"),
        ("price", "129.99"),
    ];

    [Fact]
    public void Values_without_pii_allocate_nothing()
    {
        var scanner = PiiScanner.Default;
        foreach (var (name, value) in BrowserEvent)
        {
            Assert.False(scanner.Scan(name, value).HasHits, value);
            scanner.ScanName(name);
        }
        // Values that reach the deeper checks (digit runs, '@', colons, "eyJ", prefixes) and still find nothing.
        string[] nearMisses =
        [
            "2024-01-15T10:30:00.123+02:00", "pkg@1.2.3", "10:30:00", "4111111111111112", "DE00370400440532013000",
            "eyJmb28iOiJiYXIifQ.eyJiYXIiOjF9.c2ln", "sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "1.2.3.4.5", "fe80::zz", "Order 12345 shipped 2024-01-15",
        ];
        foreach (var value in nearMisses) Assert.False(scanner.Scan("note", value).HasHits, value);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
        {
            foreach (var (name, value) in BrowserEvent)
            {
                scanner.ScanName(name);
                scanner.Scan(name, value);
            }
            foreach (var value in nearMisses) scanner.Scan("note", value);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
