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
/// for a 50-event browser batch (decode + validate + pipeline + WAL encoding), with allocations.
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
    private byte[] _batchBody = null!;
    private ProjectPrivacy _projectForNewIds = null!;
    private string[] _newDistinctIds = null!;
    private int _next;

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
        var batch = "[" + string.Join(",", Enumerable.Range(0, 50).Select(i => BrowserEvent.Replace("mljdr1h72m445n8r", "id" + i, StringComparison.Ordinal))) + "]";
        _batchBody = Encoding.UTF8.GetBytes("data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(batch))));
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
}
