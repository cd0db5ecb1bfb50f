using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Veil.Load;

/// <summary>
/// Sends a <see cref="RequestPlan"/> over a fixed number of connections, one request in flight per connection.
/// With a target rate the schedule is open-loop: request i is due at start + (events before it) / rate, and its
/// latency counts from that due time, so a server that stalls is charged for the requests that queued behind
/// the stall (no coordinated omission). Send number n is request n mod pool size, on pass n / pool size.
/// </summary>
internal sealed class LoadRunner(RequestPlan plan, HttpClient client, int connections, double eventsPerSecond)
{
    // Browsers send their user agent with every batch (and Veil turns it into browser/OS family); the Node SDK sends none.
    private static readonly string[] BrowserUserAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
        "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/26.0 Chrome/122.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    ];

    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _acked = new();
    private long _next = -1;

    /// <summary>Send numbers acknowledged in full (for the acked-ids file).</summary>
    public IEnumerable<long> AckedSends => _acked;

    /// <summary>Passes over the prepared requests so far (1 = each sent at most once).</summary>
    public double Passes => Math.Round((double)(Interlocked.Read(ref _next) + 1) / plan.Requests.Length, 2);

    /// <summary>
    /// Sends until <paramref name="duration"/> is over, then waits for the replies in flight. A second call (after a
    /// warm-up) carries on with the next request.
    /// </summary>
    public async Task<TimeSpan> RunAsync(LoadStats stats, TimeSpan duration, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var baseEvent = EventsBefore(Interlocked.Read(ref _next) + 1);
        var workers = new Task[connections];
        for (var i = 0; i < connections; i++) workers[i] = Task.Run(() => WorkerAsync(stats, start, end, baseEvent, cancellationToken), CancellationToken.None);
        await Task.WhenAll(workers);
        return Stopwatch.GetElapsedTime(start);
    }

    private long EventsBefore(long send) =>
        send / plan.Requests.Length * (long)plan.EventCount + plan.Requests[(int)(send % plan.Requests.Length)].FirstEvent;

    private async Task WorkerAsync(LoadStats stats, long start, long end, long baseEvent, CancellationToken cancellationToken)
    {
        var requests = plan.Requests;
        while (!cancellationToken.IsCancellationRequested)
        {
            var send = Interlocked.Increment(ref _next);
            var pass = send / requests.Length;
            if (pass >= RequestPlan.MaxPasses) return;
            var request = requests[send % requests.Length];
            long measureFrom;
            if (eventsPerSecond > 0)
            {
                measureFrom = start + (long)((EventsBefore(send) - baseEvent) / eventsPerSecond * Stopwatch.Frequency);
                if (measureFrom >= end) return;
                await WaitUntilAsync(measureFrom, cancellationToken);
                // Behind schedule at the end: stop anyway, the run's length is fixed (the backlog shows in latency).
                if (cancellationToken.IsCancellationRequested || Stopwatch.GetTimestamp() >= end) return;
            }
            else
            {
                measureFrom = Stopwatch.GetTimestamp();
                if (measureFrom >= end) return;
            }
            stats.Sent(request.EventCount);
            var outgoing = plan.ForPass(request, (int)pass);
            var (status, acked) = await SendAsync(outgoing, request.EventCount, send, cancellationToken);
            // After a timeout or a broken connection the client may still hold the body: let the GC have it instead.
            if (char.IsAsciiDigit(status[0])) RequestPlan.Return(outgoing);
            var ok = acked == request.EventCount && status is "200" or "202";
            if (ok) _acked.Enqueue(send);
            stats.Completed(Stopwatch.GetTimestamp() - measureFrom, status, ok, acked);
        }
    }

    private async Task<(string Status, int Acked)> SendAsync(OutgoingRequest outgoing, int eventCount, long send, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(plan.Method, outgoing.Uri) { Version = HttpVersion.Version11 };
        if (plan.Authorization is not null) message.Headers.TryAddWithoutValidation("Authorization", plan.Authorization);
        if (plan.Format == WireFormat.TrackBatch) message.Headers.TryAddWithoutValidation("User-Agent", BrowserUserAgents[send % BrowserUserAgents.Length]);
        if (outgoing.Body is not null)
        {
            message.Content = new ByteArrayContent(outgoing.Body, 0, outgoing.BodyLength);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", plan.ContentType);
        }
        try
        {
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            var code = (int)response.StatusCode;
            var acked = AckedEvents(code, body, eventCount);
            return (code == 200 && acked < eventCount ? "200-rejected" : code.ToString(System.Globalization.CultureInfo.InvariantCulture), acked);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return ("timeout", 0);
        }
        catch (OperationCanceledException)
        {
            return ("cancelled", 0);
        }
        catch (HttpRequestException e)
        {
            return ("error:" + e.HttpRequestError, 0);
        }
    }

    /// <summary>How many events the reply says were taken, per the format's reply convention.</summary>
    private int AckedEvents(int code, byte[] body, int sent)
    {
        switch (plan.Format)
        {
            case WireFormat.Import or WireFormat.Ndjson or WireFormat.Native:
                // 200, or 400 = partial success; both name how many records were imported (native answers in /import's shape).
                if (code is not (200 or 400)) return 0;
                return ReadNumber(body, "num_records_imported"u8) is { } imported ? (int)imported : code == 200 ? sent : 0;
            case WireFormat.TrackBatch:
                return code == 200 && ReadNumber(body, "status"u8) == 1 ? sent : 0;
            case WireFormat.TrackGet:
                return code == 200 && body.AsSpan().SequenceEqual("1"u8) ? sent : 0;
            default:
                return 0;
        }
    }

    private static long? ReadNumber(byte[] body, ReadOnlySpan<byte> property)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals(property))
                {
                    reader.Read();
                    return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : null;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON: the caller falls back to the status code.
        }
        return null;
    }

    private static async Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        // Timer resolution is ~1 ms; sending up to half a millisecond early is harmless, as latency counts from `due`.
        while (true)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
            if (remaining.TotalMilliseconds < 0.5) return;
            try
            {
                await Task.Delay(remaining, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
