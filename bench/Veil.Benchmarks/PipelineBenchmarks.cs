using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Core.Privacy.Pii;
using Veil.Ingest.Wire;

namespace Veil.Benchmarks;

/// <summary>
/// The privacy pipeline per typical browser event (mixpanel-browser 2.83's properties), and the whole ingestion hot path
/// (decode + validate + pipeline + WAL encoding) for a 50-event browser batch and for a 1000-event <c>/import</c> batch
/// as <c>bench/load</c> sends it, with allocations.
/// Baseline: copying the event's properties through Utf8JsonWriter untouched, the least any pipeline must do.
/// Identifiers repeat on every event of a session, so the project's pseudonym cache answers most of them; the
/// "new distinct id" case shows an event whose identifier the cache has not seen (one HMAC).
/// </summary>
[MemoryDiagnoser]
public class PipelineBenchmarks
{
    private const string BrowserEvent = """
        {"event":"Clicked Button","properties":{"$os":"Mac OS X","$browser":"Chrome","$referrer":"https://www.google.com/search?q=lamps",
        "$referring_domain":"www.google.com","$current_url":"https://shop.example/pricing?utm_source=google&gclid=XYZ","$browser_version":131,
        "$screen_height":982,"$screen_width":1512,"mp_lib":"web","$lib_version":"2.83.0","$insert_id":"mljdr1h72m445n8r","time":1795908982.494,
        "distinct_id":"$device:ce6a8d92-1d76-40a9-b842-dcacc79ab615","$device_id":"ce6a8d92-1d76-40a9-b842-dcacc79ab615",
        "$initial_referrer":"https://www.google.com/","$initial_referring_domain":"www.google.com","utm_source":"google",
        "button":"buy","plan":"pro","price":49.5,"token":"TOKEN123","mp_sent_by_lib_version":"2.83.0"}}
        """;

    private JsonDocument _event = null!;
    private JsonElement _properties;
    private EventMinimiser _minimiser = null!;
    private ProjectPrivacy _project = null!;
    private ProjectPrivacy _projectWithoutScan = null!;
    private RequestContext _request = null!;
    private RequestContext _importRequest = null!;
    private byte[] _batchBody = null!;
    private ProjectPrivacy _projectForNewIds = null!;
    private string[] _newDistinctIds = null!;
    private int _next;
    private byte[] _importBody = null!;

    [GlobalSetup]
    public void Setup()
    {
        _event = JsonDocument.Parse(BrowserEvent);
        _properties = _event.RootElement.GetProperty("properties");
        var key = new PseudonymKey(Enumerable.Repeat((byte)3, 32).ToArray());
        _project = new ProjectPrivacy(1, key) { Scrubber = new PiiJsonScrubber(1, PiiPolicy.Default, v => key.Compute(v).ToString(), new PiiHitCounter()) };
        _projectWithoutScan = new ProjectPrivacy(1, key);
        _minimiser = new EventMinimiser(NoGeoLocator.Instance);
        _projectForNewIds = new ProjectPrivacy(2, key) { Scrubber = _project.Scrubber };
        // More ids than the cache holds, cycled, so every lookup misses.
        _newDistinctIds = Enumerable.Range(0, 4 * _projectForNewIds.Pseudonyms.Capacity).Select(i => $"$device:{Guid.NewGuid()}").ToArray();
        _request = new RequestContext { NowMs = 1_795_908_990_000 };
        _importRequest = new RequestContext { NowMs = 1_795_908_990_000, ClientAddress = System.Net.IPAddress.Loopback };
        var batch = "[" + string.Join(",", Enumerable.Range(0, 50).Select(i => BrowserEvent.Replace("mljdr1h72m445n8r", "id" + i, StringComparison.Ordinal))) + "]";
        _batchBody = Encoding.UTF8.GetBytes("data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(batch))));
        _importBody = ImportBody(1000);
        using (var check = MixpanelWire.Decode(MixpanelEndpoint.Import, new WireRequest("POST", "/import", "?strict=1", "application/json", null, _importBody)))
        {
            // A benchmark of rejections would measure the wrong thing.
            if (MixpanelEventValidator.ValidateAll(check, 1_795_908_990_000).Events.Count != 1000) throw new InvalidOperationException("The /import body does not validate.");
        }
    }

    /// <summary>
    /// A JSON array of <paramref name="count"/> events shaped like <c>bench/load</c>'s <c>import</c> format: mixpanel-browser's
    /// properties, times in ms, no token (Basic auth names the project), 40% of users identified, 2-4 custom properties.
    /// </summary>
    private static byte[] ImportBody(int count)
    {
        var random = new Random(42);
        // bench/load's ten event names and their weights (a shop: page views 40%).
        (string Name, int Weight)[] weighted = [("$mp_web_page_view", 40), ("Viewed Item", 18), ("Clicked Button", 14), ("Searched", 8), ("Added To Cart", 7),
            ("Started Checkout", 4), ("Completed Purchase", 2), ("Signed Up", 2), ("Logged In", 3), ("Shared Item", 2)];
        var names = weighted.SelectMany(w => Enumerable.Repeat(w.Name, w.Weight)).ToArray();
        string[] paths = ["/", "/pricing", "/features", "/blog/how-we-ship", "/products/widget-pro", "/cart", "/checkout", "/search"];
        string[] queries = ["", "", "", "", "?utm_source=google&utm_medium=cpc&utm_campaign=winter&gclid=Cj0KCQiA", "?ref=producthunt"];
        (string Url, string Domain)[] referrers = [("$direct", "$direct"), ("https://www.google.com/search?q=widgets", "www.google.com"), ("https://t.co/abc123", "t.co")];
        (string Os, string Browser, double Version)[] platforms = [("Windows", "Chrome", 131), ("Mac OS X", "Safari", 18.1), ("iOS", "Mobile Safari", 18), ("Android", "Chrome", 131)];
        var users = Enumerable.Range(0, 2000).Select(i => (Device: new Guid(random.GetItems<byte>(Enumerable.Range(0, 256).Select(b => (byte)b).ToArray(), 16)).ToString(),
            User: random.Next(100) < 40 ? $"user-{i}" : null, Platform: platforms[random.Next(platforms.Length)], Referrer: referrers[random.Next(referrers.Length)])).ToArray();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1 << 20);
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartArray();
        for (var i = 0; i < count; i++)
        {
            var u = random.NextDouble();
            var user = users[(int)(u * u * users.Length)];
            var name = names[random.Next(names.Length)];
            var (referrer, domain) = referrers[random.Next(referrers.Length)];
            var path = paths[random.Next(paths.Length)];
            writer.WriteStartObject();
            writer.WriteString("event", name);
            writer.WriteStartObject("properties");
            writer.WriteString("$os", user.Platform.Os);
            writer.WriteString("$browser", user.Platform.Browser);
            writer.WriteString("$referrer", referrer);
            writer.WriteString("$referring_domain", domain);
            writer.WriteString("$current_url", "https://example.shop" + path + queries[random.Next(queries.Length)]);
            writer.WriteNumber("$browser_version", user.Platform.Version);
            writer.WriteNumber("$screen_height", 1080);
            writer.WriteNumber("$screen_width", 1920);
            writer.WriteString("mp_lib", "web");
            writer.WriteString("$lib_version", "2.83.0");
            writer.WriteString("$insert_id", string.Concat(random.GetItems("0123456789abcdefghijklmnopqrstuvwxyz".AsSpan(), 16)));
            writer.WriteNumber("time", 1_795_908_990_000 - random.NextInt64(2 * 60 * 60 * 1000L));
            writer.WriteString("distinct_id", user.User ?? "$device:" + user.Device);
            writer.WriteString("$device_id", user.Device);
            if (user.User is not null) writer.WriteString("$user_id", user.User);
            writer.WriteString("$initial_referrer", user.Referrer.Url);
            writer.WriteString("$initial_referring_domain", user.Referrer.Domain);
            switch (name)
            {
                case "$mp_web_page_view":
                    writer.WriteString("current_page_title", "Example Shop");
                    writer.WriteString("current_domain", "example.shop");
                    writer.WriteString("current_url_path", path);
                    writer.WriteString("current_url_protocol", "https:");
                    break;
                case "Viewed Item" or "Added To Cart" or "Shared Item":
                    writer.WriteString("item_id", "sku-" + random.Next(500));
                    writer.WriteString("category", "widgets");
                    writer.WriteNumber("price", Math.Round(random.NextDouble() * 200, 2));
                    break;
                case "Searched":
                    writer.WriteNumber("query_length", random.Next(1, 40));
                    writer.WriteNumber("results", random.Next(0, 120));
                    break;
                case "Started Checkout" or "Completed Purchase":
                    writer.WriteNumber("cart_value", Math.Round(random.NextDouble() * 500, 2));
                    writer.WriteNumber("items", random.Next(1, 8));
                    writer.WriteString("plan", "pro");
                    writer.WriteBoolean("coupon", random.Next(4) == 0);
                    break;
                default:
                    writer.WriteString("plan", "pro");
                    writer.WriteString("method", random.Next(3) == 0 ? "google" : "password");
                    break;
            }
            writer.WriteString("mp_sent_by_lib_version", "2.83.0");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [Benchmark(Baseline = true, Description = "copy properties (baseline)")]
    public int CopyProperties()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using var writer = new Utf8JsonWriter(buffer);
        _properties.WriteTo(writer);
        writer.Flush();
        return buffer.WrittenCount;
    }

    [Benchmark(Description = "pipeline, one browser event")]
    public StoredEvent Pipeline() =>
        _minimiser.Minimise(new EventInput("Clicked Button", _properties, 1_795_908_982_494, "mljdr1h72m445n8r", "$device:ce6a8d92-1d76-40a9-b842-dcacc79ab615"), _project, _request);

    [Benchmark(Description = "pipeline, a new distinct id every event")]
    public StoredEvent PipelineNewDistinctId() =>
        _minimiser.Minimise(new EventInput("Clicked Button", _properties, 1_795_908_982_494, "mljdr1h72m445n8r", _newDistinctIds[_next++ % _newDistinctIds.Length]), _projectForNewIds, _request);

    [Benchmark(Description = "pipeline without PII scan")]
    public StoredEvent PipelineWithoutScan() =>
        _minimiser.Minimise(new EventInput("Clicked Button", _properties, 1_795_908_982_494, "mljdr1h72m445n8r", "$device:ce6a8d92-1d76-40a9-b842-dcacc79ab615"), _projectWithoutScan, _request);

    [Benchmark(Description = "hot path, 50-event browser batch", OperationsPerInvoke = 50)]
    public int BrowserBatch()
    {
        var request = new WireRequest("POST", "/track/", "?verbose=1&ip=1", "application/x-www-form-urlencoded", null, _batchBody);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Track, request);
        var events = MixpanelEventValidator.ValidateAll(decoded, 1_795_908_990_000);
        var batch = new IngestBatch();
        foreach (var e in events.Events)
        {
            batch.Events.Add(_minimiser.Minimise(new EventInput(e.Name, e.Properties, e.TimeMs, e.InsertId, e.DistinctId), _project, _request));
        }
        using var output = new PooledBufferWriter(64 * 1024);
        IngestBatchCodec.Write(batch, output);
        return output.WrittenCount;
    }

    [Benchmark(Description = "hot path, 1000-event /import batch", OperationsPerInvoke = 1000)]
    public int ImportBatch()
    {
        var request = new WireRequest("POST", "/import", "?strict=1", "application/json", null, _importBody);
        using var decoded = MixpanelWire.Decode(MixpanelEndpoint.Import, request);
        var events = MixpanelEventValidator.ValidateAll(decoded, 1_795_908_990_000);
        var batch = new IngestBatch();
        batch.Events.Capacity = events.Events.Count;
        var vaultItems = new List<PiiVaultItem>();
        foreach (var e in events.Events)
        {
            if (e.Ignore) continue;
            vaultItems.Clear();
            batch.Events.Add(_minimiser.Minimise(new EventInput(e.Name, e.Properties, e.TimeMs, e.InsertId, e.DistinctId), _project, _importRequest, vaultItems));
        }
        using var output = new PooledBufferWriter(IngestBatchCodec.EstimateSize(batch));
        IngestBatchCodec.Write(batch, output);
        return output.WrittenCount;
    }
}
