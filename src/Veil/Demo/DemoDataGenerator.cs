using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Veil.Demo;

/// <summary>
/// Deterministic demo traffic for an online shop: anonymous visits, sign-ups, a purchase funnel with drop-off,
/// churn, several devices and countries. Produces Mixpanel <c>/import</c> bodies (JSON arrays).
/// </summary>
public sealed class DemoDataGenerator(int users, int days, int seed, DateTimeOffset end)
{
    private static readonly (string Country, string Region, double Weight)[] Countries =
    [
        ("US", "California", 0.20), ("US", "New York", 0.15), ("GB", "England", 0.10), ("DE", "Berlin", 0.08), ("FR", "Île-de-France", 0.07),
        ("IN", "Maharashtra", 0.12), ("BR", "São Paulo", 0.08), ("JP", "Tokyo", 0.05), ("CA", "Ontario", 0.08), ("AU", "New South Wales", 0.07),
    ];

    private static readonly Dictionary<string, string[]> Cities = new()
    {
        ["US"] = ["San Francisco", "Los Angeles", "San Diego", "New York", "Buffalo", "Albany"],
        ["GB"] = ["London", "Manchester", "Leeds", "Bristol"],
        ["DE"] = ["Berlin"],
        ["FR"] = ["Paris", "Versailles", "Boulogne-Billancourt"],
        ["IN"] = ["Mumbai", "Pune", "Nagpur"],
        ["BR"] = ["São Paulo", "Campinas", "Santos"],
        ["JP"] = ["Tokyo", "Hachiōji"],
        ["CA"] = ["Toronto", "Ottawa", "Hamilton"],
        ["AU"] = ["Sydney", "Newcastle", "Wollongong"],
    };

    private static readonly (string Browser, int Version, string Os, int Width, int Height, double Weight)[] Devices =
    [
        ("Chrome", 131, "Windows", 1920, 1080, 0.30), ("Chrome", 131, "Mac OS X", 1440, 900, 0.15), ("Safari", 18, "Mac OS X", 1512, 982, 0.10),
        ("Mobile Safari", 18, "iOS", 390, 844, 0.18), ("Chrome", 131, "Android", 412, 915, 0.15), ("Firefox", 133, "Windows", 1366, 768, 0.07),
        ("Microsoft Edge", 131, "Windows", 1536, 864, 0.05),
    ];

    private static readonly string[] Pages = ["/", "/pricing", "/products", "/products/lamp", "/products/chair", "/products/desk", "/blog/privacy-first-analytics", "/about"];
    private static readonly string[] Products = ["lamp", "chair", "desk", "shelf", "rug"];
    private static readonly string[] Referrers = ["$direct", "https://www.google.com/", "https://news.ycombinator.com/", "https://duckduckgo.com/", "https://t.co/"];

    public int Users => users;

    /// <summary>
    /// The exact device and place of every demo user as the SDK would report them before Veil coarsens anything
    /// (full browser version, window size, city): the "before" of the fingerprint-risk report.
    /// </summary>
    public List<RawDeviceProfile> RawProfiles()
    {
        var random = new Random(seed);
        var start = end.AddDays(-days);
        var profiles = new List<RawDeviceProfile>(users);
        for (var u = 0; u < users; u++)
        {
            // Drawing every event keeps the random sequence identical to Batches().
            foreach (var _ in UserEvents(random, u, start, profiles))
            {
            }
        }
        return profiles;
    }

    /// <summary>Yields one JSON array of at most <paramref name="batchSize"/> events at a time, and how many users it completes.</summary>
    public IEnumerable<(byte[] Body, int EventCount, int UsersDone)> Batches(int batchSize = 2000)
    {
        var random = new Random(seed);
        var buffer = new ArrayBufferWriter<byte>(1 << 20);
        var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartArray();
        var inBatch = 0;
        var start = end.AddDays(-days);
        for (var u = 0; u < users; u++)
        {
            foreach (var e in UserEvents(random, u, start, null))
            {
                e(writer);
                inBatch++;
                if (inBatch == batchSize)
                {
                    writer.WriteEndArray();
                    writer.Flush();
                    yield return (buffer.WrittenSpan.ToArray(), inBatch, u);
                    buffer.ResetWrittenCount();
                    writer.Reset(buffer);
                    writer.WriteStartArray();
                    inBatch = 0;
                }
            }
        }
        writer.WriteEndArray();
        writer.Flush();
        if (inBatch > 0) yield return (buffer.WrittenSpan.ToArray(), inBatch, users);
        writer.Dispose();
    }

    private IEnumerable<Action<Utf8JsonWriter>> UserEvents(Random random, int index, DateTimeOffset start, List<RawDeviceProfile>? profiles)
    {
        var deviceId = new Guid(NextBytes(random, 16)).ToString();
        var userId = "user-" + index.ToString(CultureInfo.InvariantCulture);
        var (country, region, _) = Pick(random, Countries, c => c.Weight);
        var device = Pick(random, Devices, d => d.Weight);
        // What a real SDK reports is finer than a device class: full versions, window sizes, cities.
        var cities = Cities[country];
        var city = cities[random.Next(cities.Length)];
        var fullVersion = string.Create(CultureInfo.InvariantCulture, $"{device.Version}.0.{6000 + random.Next(1000)}.{random.Next(200)}");
        var width = device.Width - random.Next(0, 6) * 16;
        var height = device.Height - random.Next(0, 14) * 10;
        profiles?.Add(new RawDeviceProfile(deviceId, device.Browser, fullVersion, device.Os, width, height, country, region, city));
        var firstDay = random.Next(days);
        var signsUp = random.NextDouble() < 0.6;
        // Churn: each further day brings the user back with a falling probability.
        var activeDays = new List<int> { firstDay };
        var stay = signsUp ? 0.85 : 0.4;
        for (var d = firstDay + 1; d < days; d++)
        {
            if (random.NextDouble() > stay) break;
            if (random.NextDouble() < 0.35) activeDays.Add(d);
            stay *= 0.985;
        }
        var identified = false;
        var referrer = Referrers[random.Next(Referrers.Length)];
        var insert = 0;
        foreach (var day in activeDays)
        {
            var t = start.AddDays(day).AddSeconds(random.Next(86_400 - 3_600));
            var pageViews = 2 + random.Next(6);
            for (var p = 0; p < pageViews; p++)
            {
                t = t.AddSeconds(5 + random.Next(90));
                var page = Pages[random.Next(Pages.Length)];
                yield return Event("$mp_web_page_view", t, page, new() { ["current_url_path"] = page });
                if (page.StartsWith("/products/", StringComparison.Ordinal))
                {
                    t = t.AddSeconds(3 + random.Next(30));
                    yield return Event("Viewed Product", t, page, new() { ["product"] = page["/products/".Length..] });
                }
            }
            if (!identified && signsUp)
            {
                t = t.AddSeconds(20 + random.Next(120));
                identified = true;
                yield return Event("Signed Up", t, "/signup", new() { ["plan"] = random.NextDouble() < 0.2 ? "pro" : "free" });
            }
            if (random.NextDouble() < 0.3)
            {
                var product = Products[random.Next(Products.Length)];
                t = t.AddSeconds(10 + random.Next(60));
                yield return Event("Added to Cart", t, "/products/" + product, new() { ["product"] = product });
                if (random.NextDouble() < 0.55)
                {
                    t = t.AddSeconds(30 + random.Next(300));
                    yield return Event("Started Checkout", t, "/checkout", new() { ["items"] = 1 + random.Next(3) });
                    if (random.NextDouble() < 0.6)
                    {
                        t = t.AddSeconds(30 + random.Next(600));
                        yield return Event("Purchased", t, "/checkout/done", new() { ["amount"] = Math.Round(15 + random.NextDouble() * 300, 2), ["product"] = product });
                    }
                }
            }
        }

        Action<Utf8JsonWriter> Event(string name, DateTimeOffset time, string path, Dictionary<string, object> extra)
        {
            var n = insert++;
            var isIdentified = identified;
            return w =>
            {
                w.WriteStartObject();
                w.WriteString("event", name);
                w.WriteStartObject("properties");
                w.WriteNumber("time", time.ToUnixTimeMilliseconds());
                w.WriteString("distinct_id", isIdentified ? userId : "$device:" + deviceId);
                w.WriteString("$device_id", deviceId);
                if (isIdentified) w.WriteString("$user_id", userId);
                w.WriteString("$insert_id", string.Create(CultureInfo.InvariantCulture, $"d{seed:x}-{index:x}-{n:x}"));
                w.WriteString("$current_url", "https://shop.example" + path);
                w.WriteString("$referrer", referrer);
                w.WriteString("$browser", device.Browser);
                w.WriteString("$browser_version", fullVersion);
                w.WriteString("$os", device.Os);
                w.WriteNumber("$screen_width", width);
                w.WriteNumber("$screen_height", height);
                w.WriteString("mp_country_code", country);
                w.WriteString("$region", region);
                w.WriteString("$city", city);
                w.WriteString("mp_lib", "web");
                foreach (var (key, value) in extra)
                {
                    switch (value)
                    {
                        case string s: w.WriteString(key, s); break;
                        case int i: w.WriteNumber(key, i); break;
                        case double d: w.WriteNumber(key, d); break;
                    }
                }
                w.WriteEndObject();
                w.WriteEndObject();
            };
        }
    }

    private static T Pick<T>(Random random, T[] items, Func<T, double> weight)
    {
        var total = items.Sum(weight);
        var x = random.NextDouble() * total;
        foreach (var item in items)
        {
            x -= weight(item);
            if (x <= 0) return item;
        }
        return items[^1];
    }

    private static byte[] NextBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
