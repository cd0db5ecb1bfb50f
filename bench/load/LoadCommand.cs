using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using Spectre.Console;

namespace Veil.Load;

/// <summary>The root command: drive one wire format against a running server and report throughput and ack latency.</summary>
internal static class LoadCommand
{
    public static RootCommand Create()
    {
        var url = new Option<string>("--url") { Description = "Server base address, e.g. https://127.0.0.1:8443.", Required = true };
        var ca = new Option<string?>("--ca") { Description = "PEM certificate to trust (exactly this one), e.g. Veil's veil-selfsigned.crt." };
        var token = new Option<string?>("--token") { Description = "Project ingestion token (track-batch, track-get, native)." };
        var secret = new Option<string?>("--secret") { Description = "Project secret (import, ndjson: Basic auth as username)." };
        var format = new Option<string>("--format") { Description = "import | track-batch | track-get | ndjson | native.", DefaultValueFactory = _ => "import" };
        format.AcceptOnlyFromAmong(WireFormats.Names);
        var connections = new Option<int>("--connections") { Description = "Concurrent connections, one request in flight each.", DefaultValueFactory = _ => 8 };
        var duration = new Option<string>("--duration") { Description = "How long to send (30s, 2m).", DefaultValueFactory = _ => "30s" };
        var warmup = new Option<string>("--warmup") { Description = "Send this long first without measuring (JIT, connections).", DefaultValueFactory = _ => "0s" };
        var rate = new Option<double>("--rate") { Description = "Target events/s on an open-loop schedule; 0 = flat out.", DefaultValueFactory = _ => 0 };
        var batch = new Option<int?>("--batch") { Description = "Events per request (default: 1000 for import/ndjson/native, 50 for track-batch, 1 for track-get)." };
        var events = new Option<int?>("--events") { Description = "Events to pre-generate; when a run needs more, they are re-sent with fresh insert ids (default: rate x time, or 100k-500k)." };
        var seed = new Option<int>("--seed") { Description = "Generator seed; give each run against the same server its own.", DefaultValueFactory = _ => 42 };
        var timeout = new Option<string>("--timeout") { Description = "Per-request timeout.", DefaultValueFactory = _ => "60s" };
        var label = new Option<string?>("--label") { Description = "Name of this run in the results (default: format-connections)." };
        var serverPid = new Option<int?>("--server-pid") { Description = "Sample this process's CPU time and RSS during the run." };
        var output = new Option<FileInfo?>("--out") { Description = "Write the result JSON here (default: stdout)." };
        var ackedFile = new Option<FileInfo?>("--acked-file") { Description = "Write the $insert_id of every acknowledged event here, one per line." };

        var root = new RootCommand("veil-load: whole-server ingestion load for Veil (Mixpanel wire formats and native).")
        {
            url, ca, token, secret, format, connections, duration, warmup, rate, batch, events, seed, timeout, label, serverPid, output, ackedFile,
        };
        root.SetAction(async (parse, cancellationToken) =>
        {
            var wire = WireFormats.Parse(parse.GetValue(format)!);
            if (!Uri.TryCreate(parse.GetValue(url), UriKind.Absolute, out var baseUrl))
            {
                await Console.Error.WriteLineAsync("veil-load: --url must be an absolute address, e.g. https://127.0.0.1:8443.");
                return 2;
            }
            var settings = new LoadSettings
            {
                Url = baseUrl,
                CaPemPath = parse.GetValue(ca),
                Token = parse.GetValue(token),
                Secret = parse.GetValue(secret),
                Format = wire,
                Connections = parse.GetValue(connections),
                Duration = DurationText.Parse(parse.GetValue(duration)!),
                Warmup = DurationText.Parse(parse.GetValue(warmup)!),
                Rate = parse.GetValue(rate),
                Batch = parse.GetValue(batch) ?? wire.DefaultBatch(),
                Events = parse.GetValue(events),
                Seed = parse.GetValue(seed),
                Timeout = DurationText.Parse(parse.GetValue(timeout)!),
                Label = parse.GetValue(label) ?? $"{wire.Name()}-{parse.GetValue(connections)}",
                ServerPid = parse.GetValue(serverPid),
                AckedFile = parse.GetValue(ackedFile),
            };
            var problem = settings.Validate();
            if (problem is not null)
            {
                await Console.Error.WriteLineAsync("veil-load: " + problem);
                return 2;
            }
            var result = await RunAsync(settings, cancellationToken);
            await WriteResultAsync(result, parse.GetValue(output));
            return result.EventsAcked > 0 ? 0 : 1;
        });
        return root;
    }

    private static async Task<LoadResult> RunAsync(LoadSettings settings, CancellationToken cancellationToken)
    {
        var prepareWatch = Stopwatch.StartNew();
        var eventCount = settings.EventPoolSize();
        var generated = new EventGenerator(settings.Seed, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()).Generate(eventCount);
        var plan = RequestPlan.Build(settings.Format, generated, settings.Batch, settings.Url, settings.Token, settings.Secret);
        var insertIds = settings.AckedFile is null ? null : Array.ConvertAll(generated, e => e.InsertId);
        generated = null;
        // Collect the generator's garbage now, not during the timed part.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        prepareWatch.Stop();
        await Console.Error.WriteLineAsync(
            $"veil-load: {eventCount:N0} events in {plan.Requests.Length:N0} {settings.Format.Name()} requests prepared in {prepareWatch.Elapsed.TotalSeconds:F1} s");

        using var client = LoadHttpClient.Create(settings.Connections, settings.CaPemPath, settings.Timeout);
        var runner = new LoadRunner(plan, client, settings.Connections, settings.Rate);
        if (settings.Warmup > TimeSpan.Zero)
        {
            var warm = new LoadStats();
            await runner.RunAsync(warm, settings.Warmup, cancellationToken);
            var w = warm.Snapshot();
            await Console.Error.WriteLineAsync($"veil-load: warm-up {w.EventsAcked:N0} events acked, statuses {string.Join(" ", w.Statuses.Select(kv => kv.Key + ":" + kv.Value))}");
        }

        var stats = new LoadStats();
        var startedAt = DateTimeOffset.UtcNow;
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        await using var probe = ServerProbe.Start(settings.ServerPid);
        var elapsed = await ProgressDisplay.RunAsync(settings.Label, stats, settings.Duration,
            () => runner.RunAsync(stats, settings.Duration, cancellationToken));
        var server = probe is null ? null : await probe.StopAsync();
        var clientCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds;
        var s = stats.Snapshot();

        if (settings.AckedFile is not null) await WriteAckedAsync(settings.AckedFile, plan, runner.AckedSends, insertIds!);

        return new LoadResult
        {
            Label = settings.Label,
            Format = settings.Format.Name(),
            Connections = settings.Connections,
            Batch = settings.Format == WireFormat.TrackGet ? 1 : settings.Batch,
            TargetRate = settings.Rate,
            Seed = settings.Seed,
            StartedAt = startedAt,
            RequestedDurationS = settings.Duration.TotalSeconds,
            DurationS = Math.Round(elapsed.TotalSeconds, 3),
            EventsPrepared = eventCount,
            EventsSent = s.EventsSent,
            EventsAcked = s.EventsAcked,
            RequestsSent = s.RequestsSent,
            RequestsOk = s.RequestsOk,
            EventsPerS = Math.Round(s.EventsAcked / elapsed.TotalSeconds, 1),
            RequestsPerS = Math.Round(s.RequestsCompleted / elapsed.TotalSeconds, 1),
            LatencyMs = s.Latency,
            StatusCounts = s.Statuses,
            PoolPasses = runner.Passes,
            PrepareS = Math.Round(prepareWatch.Elapsed.TotalSeconds, 2),
            ClientCpuS = Math.Round(clientCpu, 2),
            Server = server,
            Seconds = stats.Seconds(),
            Machine = MachineInfo.Current(),
        };
    }

    private static async Task WriteAckedAsync(FileInfo file, RequestPlan plan, IEnumerable<long> ackedSends, string[] insertIds)
    {
        await using var writer = new StreamWriter(file.FullName);
        foreach (var send in ackedSends.Order())
        {
            var request = plan.Requests[send % plan.Requests.Length];
            var pass = (int)(send / plan.Requests.Length);
            for (var e = request.FirstEvent; e < request.FirstEvent + request.EventCount; e++)
            {
                await writer.WriteLineAsync(RequestPlan.InsertIdForPass(insertIds[e], pass));
            }
        }
    }

    /// <summary>Writes the JSON file (or stdout) and a short human summary on stderr.</summary>
    public static async Task WriteResultAsync(LoadResult result, FileInfo? output)
    {
        var json = JsonSerializer.Serialize(result, LoadJsonContext.Default.LoadResult);
        if (output is null)
        {
            Console.WriteLine(json);
        }
        else
        {
            output.Directory?.Create();
            await File.WriteAllTextAsync(output.FullName, json + "\n");
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        console.Profile.Width = Math.Max(console.Profile.Width, 160);
        var latency = result.LatencyMs is { } l ? $"p50 {l.P50:F1} ms  p90 {l.P90:F1}  p99 {l.P99:F1}  p99.9 {l.P999:F1}  max {l.Max:F1}" : "";
        console.MarkupLineInterpolated(
            $"[bold]{result.Label}[/]: {result.EventsAcked:N0}/{result.EventsSent:N0} events acked in {result.DurationS:F1} s = [bold]{result.EventsPerS:N0} ev/s[/], {result.RequestsPerS:N0} req/s  {latency}");
        console.MarkupLineInterpolated($"  statuses: {string.Join(" ", result.StatusCounts.Select(kv => kv.Key + ":" + kv.Value))}{(result.PoolPasses > 1 ? $"  ({result.PoolPasses:F1} passes over the {result.EventsPrepared:N0} prepared events)" : "")}");
    }
}
