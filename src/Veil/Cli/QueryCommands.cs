using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Veil.Hosting;
using Veil.Query;
using Veil.Query.Model;
using Veil.Querying;
using Veil.Security.Ledger;
using Veil.Storage.Sqlite;

namespace Veil.Cli;

/// <summary>
/// `veil query insights|funnel`: runs a report on a stopped data directory and prints a table (or the API's JSON with
/// --json). The query comes from --file (the JSON model of docs/queries.md) or from inline flags.
/// </summary>
internal static class QueryCommands
{
    public static Command Create()
    {
        var command = new Command("query", "Run a report (insights, funnel, retention, flows) on a stopped data directory; for a running server use POST /api/projects/{id}/query/{kind}.");
        command.Subcommands.Add(Report("insights", "Counts and aggregates of events over time, with filters and breakdowns."));
        command.Subcommands.Add(Report("funnel", "Conversion through 2–10 steps within a window."));
        command.Subcommands.Add(Report("retention", "Cohorts by birth event and how many return in later periods (--file)."));
        command.Subcommands.Add(Report("flows", "Top paths after or before an event, as Sankey nodes and links (--file)."));
        return command;
    }

    private static Command Report(string kind, string description)
    {
        var command = new Command(kind, description);
        var data = CommonOptions.Data();
        var project = new Option<int>("--project") { Description = "The project id.", Required = true };
        var file = new Option<string?>("--file") { Description = "A JSON query (docs/queries.md); inline flags are ignored when given." };
        var json = CommonOptions.Json();
        var keyFile = CommonOptions.KeyFile();
        var from = new Option<string?>("--from") { Description = "First day, YYYY-MM-DD." };
        var to = new Option<string?>("--to") { Description = "Last day, YYYY-MM-DD." };
        var last = new Option<int?>("--last") { Description = "The last N days, today included (default 30)." };
        var zone = new Option<string?>("--timezone") { Description = "IANA time zone (default: the project's)." };
        var breakdown = new Option<string[]>("--breakdown") { Description = "Break down by this property (repeatable for insights)." };
        var limit = new Option<int?>("--limit") { Description = "Top N breakdown values (the rest is \"other\")." };
        var events = new Option<string[]>(kind == "funnel" ? "--step" : "--event")
        {
            Description = kind == "funnel" ? "A step's event, in order (repeat 2–10 times)." : "An event to count (repeatable: one series each).",
        };
        var measure = new Option<string?>("--measure") { Description = "total, unique, sessions, perPersonAverage, sum, average, … (insights)." };
        var property = new Option<string?>("--property") { Description = "The numeric property for sum/average/min/max/median/percentile." };
        var interval = new Option<string?>("--interval") { Description = "total, minute, hour, day, week or month (insights; default day)." };
        var window = new Option<string?>("--window") { Description = "Conversion window such as 30m, 6h, 7d (funnel; default 30d)." };
        foreach (var option in new Option[] { data, project, file, json, keyFile, from, to, last, zone, breakdown, limit, events })
        {
            command.Options.Add(option);
        }
        if (kind == "funnel") command.Options.Add(window);
        else
        {
            command.Options.Add(measure);
            command.Options.Add(property);
            command.Options.Add(interval);
        }
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            var id = parse.GetValue(project);
            string query;
            if (parse.GetValue(file) is { } path)
            {
                if (!File.Exists(path))
                {
                    Console.Error.WriteLine($"veil: no such file {path}");
                    return 2;
                }
                query = File.ReadAllText(path);
            }
            else if (kind is "retention" or "flows")
            {
                Console.Error.WriteLine($"veil: {kind} takes its query from --file (see docs/queries.md).");
                return 2;
            }
            else
            {
                try
                {
                    query = Inline(kind, parse.GetValue(events) ?? [], parse.GetValue(from), parse.GetValue(to), parse.GetValue(last), parse.GetValue(zone),
                        parse.GetValue(breakdown) ?? [], parse.GetValue(limit), parse.GetValue(measure), parse.GetValue(property), parse.GetValue(interval), parse.GetValue(window));
                }
                catch (QueryValidationException e)
                {
                    Console.Error.WriteLine("veil: " + e.Message);
                    return 2;
                }
            }
            var offline = OfflineProject.Open(dataDirectory, id, $"ask it instead: curl -u SECRET: -d @query.json https://HOST/api/projects/{id}/query/{ReportRunner.Kind(kind)}");
            if (offline is null) return 2;
            var (metadata, store) = (offline.Metadata, offline.Store);
            using (offline)
            {
                object report;
                try
                {
                    report = new ReportRunner(store, metadata).Run(ReportRunner.Kind(kind)!, id, query, QueryOptions.None);
                }
                catch (QueryValidationException e)
                {
                    Console.Error.WriteLine("veil: invalid query: " + e.Message);
                    return 2;
                }
                var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
                using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = parse.GetValue(json) }))
                {
                    ReportRunner.Write(writer, report);
                }
                // Promise 3 holds for the operator too: a CLI report is on the access ledger before it is printed.
                var masterKey = MasterKeySource.Resolve(parse.GetValue(keyFile), dataDirectory);
                try
                {
                    await using var ledger = AccessLedger.Open(dataDirectory, masterKey, new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero });
                    await ledger.AppendAsync(new AccessRecord
                    {
                        Principal = "cli:" + Environment.UserName,
                        Credential = "data-directory",
                        ClientIp = System.Net.IPAddress.Loopback,
                        Action = "cli.query." + ReportRunner.Kind(kind),
                        Project = id,
                        Query = query,
                        Fields = [new LedgerField("counts", DataClassification.Aggregate)],
                        Rows = 1,
                    }, cancellationToken);
                }
                catch (Exception e) when (e is LedgerAppendException or LedgerInUseException or LedgerCorruptException or IOException)
                {
                    Console.Error.WriteLine($"veil: the report was not printed because the access ledger could not record it: {e.Message}");
                    return 1;
                }
                if (parse.GetValue(json))
                {
                    using var stdout = Console.OpenStandardOutput();
                    stdout.Write(buffer.WrittenSpan);
                    Console.WriteLine();
                    return 0;
                }
                using var document = JsonDocument.Parse(buffer.WrittenMemory);
                AnsiConsole.Write(kind switch
                {
                    "funnel" => FunnelTable(document.RootElement),
                    "retention" => RetentionTable(document.RootElement),
                    "flows" => FlowsTable(document.RootElement),
                    _ => InsightsTable(document.RootElement),
                });
                return 0;
            }
        });
        return command;
    }

    /// <summary>The JSON query for inline flags (validated afterwards by the same parser as files and the API).</summary>
    private static string Inline(string kind, string[] events, string? from, string? to, int? last, string? zone, string[] breakdowns, int? limit,
        string? measure, string? property, string? interval, string? window)
    {
        if (events.Length == 0) throw new QueryValidationException(kind == "funnel" ? "give the steps with --step A --step B (or --file)." : "give at least one --event (or --file).");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            if (from is not null || to is not null)
            {
                w.WriteStartObject("dateRange");
                w.WriteString("from", from ?? to);
                w.WriteString("to", to ?? from);
                w.WriteEndObject();
            }
            else if (last is { } days)
            {
                w.WriteStartObject("dateRange");
                w.WriteNumber("last", days);
                w.WriteEndObject();
            }
            if (zone is not null) w.WriteString("timezone", zone);
            if (limit is { } l) w.WriteNumber("limit", l);
            if (kind == "funnel")
            {
                w.WriteStartArray("steps");
                foreach (var e in events)
                {
                    w.WriteStartObject();
                    w.WriteString("event", e);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                if (window is not null) w.WriteNumber("windowSeconds", WindowSeconds(window));
                if (breakdowns.Length > 1) throw new QueryValidationException("a funnel has at most one --breakdown.");
                if (breakdowns.Length == 1) w.WriteString("breakdown", breakdowns[0]);
            }
            else
            {
                if (interval is not null) w.WriteString("interval", interval);
                w.WriteStartArray("series");
                foreach (var e in events)
                {
                    w.WriteStartObject();
                    w.WriteString("event", e);
                    if (measure is not null) w.WriteString("measure", measure);
                    if (property is not null) w.WriteString("property", property);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteStartArray("breakdowns");
                foreach (var b in breakdowns) w.WriteStringValue(b);
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static long WindowSeconds(string text)
    {
        var unit = text.Length > 0 ? text[^1] : ' ';
        var factor = unit switch { 's' => 1L, 'm' => 60L, 'h' => 3600L, 'd' => 86_400L, 'w' => 604_800L, _ => 0L };
        if (factor == 0 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value > QueryJson.MaxWindowSeconds)
        {
            throw new QueryValidationException($"--window must be a number with s, m, h, d or w (such as 7d), got \"{text}\".");
        }
        return value * factor;
    }

    private static Table InsightsTable(JsonElement report)
    {
        var buckets = report.GetProperty("buckets").EnumerateArray().Select(b => b.ValueKind == JsonValueKind.Null ? "total" : b.GetString()!).ToList();
        var table = new Table().AddColumns("Series", "Event", "Breakdown", "Bucket", "Value");
        void Rows(string name, string label, JsonElement rows)
        {
            foreach (var row in rows.EnumerateArray())
            {
                var breakdown = Breakdown(row);
                var values = row.GetProperty("values").EnumerateArray().ToList();
                for (var i = 0; i < values.Count; i++)
                {
                    // Long reports list only buckets with a value.
                    if (buckets.Count > 1 && values[i].ValueKind == JsonValueKind.Number && values[i].GetDouble() == 0) continue;
                    table.AddRow(Markup.Escape(name), Markup.Escape(label), Markup.Escape(breakdown), Markup.Escape(buckets[i]), Number(values[i]));
                }
            }
        }
        foreach (var series in report.GetProperty("series").EnumerateArray())
        {
            var e = series.GetProperty("event");
            Rows(series.GetProperty("name").GetString()!, (e.ValueKind == JsonValueKind.Null ? "(any event)" : e.GetString()!) + " · " + series.GetProperty("measure").GetString(), series.GetProperty("rows"));
        }
        if (report.TryGetProperty("formula", out var formula)) Rows("formula", formula.GetProperty("expression").GetString()!, formula.GetProperty("rows"));
        return table;
    }

    private static Table FunnelTable(JsonElement report)
    {
        var table = new Table().AddColumns("Breakdown", "Step", "Event", "Persons", "Conversion", "From previous", "Median time");
        foreach (var row in report.GetProperty("rows").EnumerateArray())
        {
            var breakdown = row.TryGetProperty("breakdown", out _) || row.TryGetProperty("other", out _) ? Breakdown(row) : "(all)";
            var k = 0;
            foreach (var step in row.GetProperty("steps").EnumerateArray())
            {
                k++;
                table.AddRow(Markup.Escape(breakdown), k.ToString(CultureInfo.InvariantCulture), Markup.Escape(step.GetProperty("event").GetString()!),
                    Number(step.GetProperty("count")),
                    Percent(step, "conversion"), Percent(step, "fromPrevious"),
                    step.TryGetProperty("medianSecondsToConvert", out var m) ? Duration(m.GetDouble()) : "");
            }
        }
        return table;
    }

    private static Table RetentionTable(JsonElement report)
    {
        var rows = report.GetProperty("rows").EnumerateArray().ToList();
        var periods = rows.Count == 0 ? 0 : rows[0].GetProperty("retained").GetArrayLength();
        var table = new Table().AddColumns("Breakdown", "Cohort", "Size");
        for (var i = 1; i <= periods; i++) table.AddColumn(i.ToString(CultureInfo.InvariantCulture));
        foreach (var row in rows)
        {
            var cohort = row.GetProperty("cohort");
            var cells = new List<string> { Markup.Escape(Breakdown(row)), cohort.ValueKind == JsonValueKind.Null ? "(all)" : cohort.GetString()!, Number(row.GetProperty("size")) };
            cells.AddRange(row.GetProperty("rates").EnumerateArray().Select(r => r.ValueKind == JsonValueKind.Number ? r.GetDouble().ToString("0.0%", CultureInfo.InvariantCulture) : "–"));
            table.AddRow(cells.ToArray());
        }
        return table;
    }

    private static Table FlowsTable(JsonElement report)
    {
        var table = new Table().AddColumns("From", "To", "Persons");
        foreach (var link in report.GetProperty("links").EnumerateArray())
        {
            table.AddRow(Markup.Escape(link.GetProperty("source").GetString()!), Markup.Escape(link.GetProperty("target").GetString()!), Number(link.GetProperty("persons")));
        }
        return table;
    }

    private static string Breakdown(JsonElement row)
    {
        if (row.TryGetProperty("other", out _)) return "(other)";
        if (!row.TryGetProperty("breakdown", out var b)) return "";
        return string.Join(" · ", b.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? "(not set)" : v.GetString()));
    }

    private static string Number(JsonElement value) =>
        value.ValueKind == JsonValueKind.Number ? value.GetDouble().ToString("#,##0.###", CultureInfo.InvariantCulture) : "–";

    private static string Percent(JsonElement step, string name) =>
        step.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble().ToString("0.0%", CultureInfo.InvariantCulture) : "";

    private static string Duration(double seconds) => TimeSpan.FromSeconds(Math.Round(seconds)) switch
    {
        { TotalDays: >= 1 } t => $"{(int)t.TotalDays}d {t.Hours}h",
        { TotalHours: >= 1 } t => $"{t.Hours}h {t.Minutes}m",
        { TotalMinutes: >= 1 } t => $"{t.Minutes}m {t.Seconds}s",
        var t => $"{t.Seconds}s",
    };
}
