namespace Veil.Load;

/// <summary>
/// Makes realistic browser events from a fixed seed. Events are generated in chunks, each with its own
/// seeded random source, so the output is the same whatever the number of threads, and generation can use
/// every core before the timed part starts.
/// </summary>
internal sealed class EventGenerator
{
    private const int ChunkSize = 8192;
    private const int UserCount = 20_000;

    private static readonly (string Name, int Weight)[] EventNames =
    [
        ("$mp_web_page_view", 40), ("Viewed Item", 18), ("Clicked Button", 14), ("Searched", 8),
        ("Added To Cart", 7), ("Started Checkout", 4), ("Completed Purchase", 2), ("Signed Up", 2),
        ("Logged In", 3), ("Shared Item", 2),
    ];

    private static readonly (string Os, string Browser, double? Version)[] Platforms =
    [
        ("Windows", "Chrome", 131), ("Windows", "Chrome", 130), ("Windows", "Microsoft Edge", 131),
        ("Windows", "Firefox", 133), ("Mac OS X", "Safari", 18.1), ("Mac OS X", "Chrome", 131),
        ("iOS", "Mobile Safari", 18), ("Android", "Chrome", 131), ("Linux", "Firefox", 132),
        ("Chrome OS", "Chrome", 129), ("Android", "Samsung Internet", 26), ("iOS", "Chrome iOS", null),
    ];

    private static readonly (int Width, int Height)[] Screens =
    [
        (1920, 1080), (1536, 864), (1440, 900), (2560, 1440), (1366, 768), (390, 844), (393, 873), (412, 915),
        (1280, 800), (0, 0),
    ];

    private static readonly string[] Paths =
    [
        "/", "/pricing", "/features", "/blog/how-we-ship", "/docs/getting-started", "/products/widget-pro",
        "/products/widget-mini", "/cart", "/checkout", "/account/settings", "/search", "/signup",
    ];

    private static readonly string[] QueryStrings =
    [
        "", "", "", "", "", "?utm_source=google&utm_medium=cpc&utm_campaign=winter&gclid=Cj0KCQiA",
        "?utm_source=newsletter&utm_medium=email", "?ref=producthunt", "?q=blue+widget&page=2",
    ];

    private static readonly (string Url, string Domain)[] Referrers =
    [
        ("$direct", "$direct"), ("https://www.google.com/", "www.google.com"),
        ("https://www.google.com/search?q=widgets", "www.google.com"), ("https://duckduckgo.com/", "duckduckgo.com"),
        ("https://news.ycombinator.com/item?id=4242", "news.ycombinator.com"), ("https://t.co/abc123", "t.co"),
        ("https://example.shop/pricing", "example.shop"),
    ];

    private static readonly string[] Buttons = ["Buy now", "Subscribe", "Learn more", "Next", "Close", "Share"];
    private static readonly string[] Plans = ["free", "starter", "pro", "enterprise"];
    private static readonly string[] Categories = ["widgets", "gadgets", "gizmos", "accessories"];

    private readonly int _seed;
    private readonly long _baseTimeMs;
    private readonly User[] _users;
    private readonly int _eventWeightTotal = EventNames.Sum(e => e.Weight);

    /// <param name="seed">Fixes every generated value except times (give each run its own, so insert ids differ).</param>
    /// <param name="baseTimeMs">Events fall in the two hours before this (recent, so /track keeps them).</param>
    public EventGenerator(int seed, long baseTimeMs)
    {
        _seed = seed;
        _baseTimeMs = baseTimeMs;
        // The same users in every run, whatever the seed: runs differ in events, not in audience.
        var random = new Random(Mix(0, -1));
        _users = new User[UserCount];
        Span<byte> bytes = stackalloc byte[16];
        for (var i = 0; i < UserCount; i++)
        {
            random.NextBytes(bytes);
            bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // UUIDv4 like the browser's device ids
            bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
            var device = new Guid(bytes, bigEndian: true).ToString();
            var identified = random.Next(100) < 40;
            var (referrer, domain) = Referrers[random.Next(Referrers.Length)];
            _users[i] = new User(
                device,
                identified ? $"user-{i}" : null,
                Platforms[random.Next(Platforms.Length)],
                Screens[random.Next(Screens.Length)],
                referrer,
                domain,
                Plans[random.Next(Plans.Length)]);
        }
    }

    /// <summary>Generates <paramref name="count"/> events, in parallel, deterministically.</summary>
    public BrowserEvent[] Generate(int count)
    {
        var events = new BrowserEvent[count];
        var chunks = (count + ChunkSize - 1) / ChunkSize;
        Parallel.For(0, chunks, chunk =>
        {
            var random = new Random(Mix(_seed, chunk));
            var end = Math.Min(count, (chunk + 1) * ChunkSize);
            for (var i = chunk * ChunkSize; i < end; i++) events[i] = Next(random);
        });
        return events;
    }

    private BrowserEvent Next(Random random)
    {
        // Squaring skews towards low indices: a few heavy users, a long tail, as real traffic has.
        var u = random.NextDouble();
        var user = _users[(int)(u * u * UserCount)];
        var name = PickEventName(random.Next(_eventWeightTotal));
        var (referrer, referringDomain) = Referrers[random.Next(Referrers.Length)];
        var path = Paths[random.Next(Paths.Length)];
        return new BrowserEvent
        {
            Name = name,
            TimeMs = _baseTimeMs - random.NextInt64(2 * 60 * 60 * 1000L),
            InsertId = InsertId(random),
            DistinctId = user.UserId ?? "$device:" + user.DeviceId,
            DeviceId = user.DeviceId,
            UserId = user.UserId,
            Os = user.Platform.Os,
            Browser = user.Platform.Browser,
            BrowserVersion = user.Platform.Version,
            CurrentUrl = "https://example.shop" + path + QueryStrings[random.Next(QueryStrings.Length)],
            Referrer = referrer,
            ReferringDomain = referringDomain,
            InitialReferrer = user.InitialReferrer,
            InitialReferringDomain = user.InitialReferringDomain,
            ScreenWidth = user.Screen.Width,
            ScreenHeight = user.Screen.Height,
            Custom = CustomProperties(name, path, user, random),
        };
    }

    private static KeyValuePair<string, object>[] CustomProperties(string name, string path, User user, Random random) => name switch
    {
        "$mp_web_page_view" =>
        [
            new("current_page_title", "Example Shop"), new("current_domain", "example.shop"), new("current_url_path", path),
            new("current_url_protocol", "https:"),
        ],
        "Viewed Item" or "Added To Cart" or "Shared Item" =>
        [
            new("item_id", "sku-" + random.Next(500)), new("category", Categories[random.Next(Categories.Length)]),
            new("price", Math.Round(random.NextDouble() * 200, 2)),
        ],
        "Clicked Button" => [new("button", Buttons[random.Next(Buttons.Length)]), new("color", random.Next(2) == 0 ? "blue" : "green")],
        "Searched" => [new("query_length", random.Next(1, 40)), new("results", random.Next(0, 120))],
        "Started Checkout" or "Completed Purchase" =>
        [
            new("cart_value", Math.Round(random.NextDouble() * 500, 2)), new("items", random.Next(1, 8)), new("plan", user.Plan),
            new("coupon", random.Next(4) == 0),
        ],
        _ => [new("plan", user.Plan), new("method", random.Next(3) == 0 ? "google" : "password")],
    };

    private static string PickEventName(int roll)
    {
        foreach (var (name, weight) in EventNames)
        {
            if (roll < weight) return name;
            roll -= weight;
        }
        return EventNames[0].Name;
    }

    // mixpanel-browser's insert ids are 16 base-36 characters.
    private static string InsertId(Random random) => string.Create(16, random, static (span, r) =>
    {
        const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
        for (var i = 0; i < span.Length; i++) span[i] = Alphabet[r.Next(36)];
    });

    // SplitMix64 finaliser: distinct, well-spread seeds per chunk without the per-process randomisation of HashCode.
    private static int Mix(int seed, int stream)
    {
        var z = ((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (int)(z ^ (z >> 31));
    }

    private sealed record User(
        string DeviceId,
        string? UserId,
        (string Os, string Browser, double? Version) Platform,
        (int Width, int Height) Screen,
        string InitialReferrer,
        string InitialReferringDomain,
        string Plan);
}
