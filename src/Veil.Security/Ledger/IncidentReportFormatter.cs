using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Veil.Security.Ledger;

/// <summary>Writes incident reports as Markdown (for people) or JSON (for tools).</summary>
public static class IncidentReportFormatter
{
    /// <summary>Accesses listed one by one in Markdown; the JSON form lists all.</summary>
    public const int MarkdownTimelineLimit = 200;

    /// <summary>The report as Markdown.</summary>
    public static string ToMarkdown(IncidentReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(c, $"# Incident report: {report.Scope}");
        md.AppendLine();
        md.AppendLine(c, $"Generated {report.GeneratedAt.UtcDateTime:u} from a ledger of {report.LedgerSize:N0} entries.");
        md.AppendLine();
        md.AppendLine(c, $"- Accesses: **{report.Accesses:N0}**");
        md.AppendLine(c, $"- Distinct persons exposed: **{report.Persons:N0}**");
        md.AppendLine(c, $"- Rows returned: **{report.Rows:N0}**");
        if (report.FirstAccess is { } first) md.AppendLine(c, $"- First access: {first.UtcDateTime:u}; last access: {report.LastAccess!.Value.UtcDateTime:u}");
        if (report.DamagedEntries.Count > 0) md.AppendLine(c, $"- **Warning:** {report.DamagedEntries.Count} matching entries fail their hash check; run `veil ledger verify`.");
        md.AppendLine();
        md.AppendLine("## Fields exposed");
        md.AppendLine();
        md.AppendLine("| Classification | Fields |");
        md.AppendLine("|---|---|");
        foreach (var classification in Enum.GetValues<DataClassification>())
        {
            var names = report.Fields.TryGetValue(classification, out var list) ? string.Join(", ", list) : "none";
            md.AppendLine(c, $"| {LedgerEntryCodec.ClassName(classification)} | {Escape(names)} |");
        }
        md.AppendLine();
        md.AppendLine("## Persons per project");
        md.AppendLine();
        md.AppendLine("| Project | Distinct persons | Rows | Accesses |");
        md.AppendLine("|---|---:|---:|---:|");
        foreach (var p in report.Projects) md.AppendLine(c, $"| {p.Project?.ToString(c) ?? "none"} | {p.Persons:N0} | {p.Rows:N0} | {p.Accesses:N0} |");
        md.AppendLine();
        md.AppendLine("## Timeline");
        md.AppendLine();
        md.AppendLine("| Entry | Time (UTC) | Principal | Credential | Client IP | Action | Project | Rows | Persons |");
        md.AppendLine("|---:|---|---|---|---|---|---|---:|---:|");
        foreach (var a in report.Timeline.Take(MarkdownTimelineLimit))
        {
            md.AppendLine(c, $"| {a.Index} | {a.Time.UtcDateTime:u} | {Escape(a.Principal)} | {Escape(a.Credential)} | {a.ClientIp} | {Escape(a.Action)} | {a.Project?.ToString(c) ?? ""} | {a.Rows:N0} | {a.Persons:N0} |");
        }
        if (report.Timeline.Count > MarkdownTimelineLimit) md.AppendLine(c, $"\n… and {report.Timeline.Count - MarkdownTimelineLimit:N0} more (use --format json for all).");
        md.AppendLine();
        md.AppendLine("## Affected persons");
        md.AppendLine();
        md.AppendLine(c, $"{report.AffectedPersons.Count:N0} pseudonyms (use --format json for the full list). Turning them into contact emails needs an owner with a recent step-up; that lookup is itself recorded on the ledger.");
        md.AppendLine();
        md.AppendLine("## Draft disclosure statement");
        md.AppendLine();
        md.AppendLine(report.Disclosure);
        return md.ToString();
    }

    /// <summary>Writes the report as JSON.</summary>
    public static void WriteJson(Utf8JsonWriter w, IncidentReport report)
    {
        w.WriteStartObject();
        w.WriteString("scope", report.Scope);
        w.WriteString("generatedAt", report.GeneratedAt);
        w.WriteNumber("ledgerSize", report.LedgerSize);
        w.WriteNumber("accesses", report.Accesses);
        w.WriteNumber("persons", report.Persons);
        w.WriteNumber("rows", report.Rows);
        if (report.FirstAccess is { } first) w.WriteString("firstAccess", first);
        if (report.LastAccess is { } last) w.WriteString("lastAccess", last);
        w.WriteStartObject("fields");
        foreach (var classification in Enum.GetValues<DataClassification>())
        {
            w.WriteStartArray(LedgerEntryCodec.ClassName(classification));
            if (report.Fields.TryGetValue(classification, out var names))
            {
                foreach (var n in names) w.WriteStringValue(n);
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteStartArray("projects");
        foreach (var p in report.Projects)
        {
            w.WriteStartObject();
            if (p.Project is { } id) w.WriteNumber("project", id);
            else w.WriteNull("project");
            w.WriteNumber("persons", p.Persons);
            w.WriteNumber("rows", p.Rows);
            w.WriteNumber("accesses", p.Accesses);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("timeline");
        foreach (var a in report.Timeline)
        {
            w.WriteStartObject();
            w.WriteNumber("entry", a.Index);
            w.WriteString("time", a.Time);
            w.WriteString("principal", a.Principal);
            w.WriteString("credential", a.Credential);
            w.WriteString("ip", a.ClientIp);
            w.WriteString("action", a.Action);
            if (a.Project is { } project) w.WriteNumber("project", project);
            else w.WriteNull("project");
            w.WriteString("query", a.Query);
            w.WriteNumber("rows", a.Rows);
            w.WriteNumber("persons", a.Persons);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("affectedPersons");
        foreach (var p in report.AffectedPersons)
        {
            w.WriteStartObject();
            if (p.Project is { } id) w.WriteNumber("project", id);
            else w.WriteNull("project");
            w.WriteString("pseudonym", p.Pseudonym);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("damagedEntries");
        foreach (var d in report.DamagedEntries) w.WriteNumberValue(d);
        w.WriteEndArray();
        w.WriteString("disclosure", report.Disclosure);
        w.WriteEndObject();
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
