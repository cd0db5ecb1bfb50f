using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Veil.Access;
using Veil.Hosting;
using Veil.Privacy;
using Veil.Projects;
using Veil.Security.Access;
using Veil.Security.Ledger;
using Veil.Storage;

namespace Veil.Endpoints;

/// <summary>
/// The access ledger over HTTP: signed checkpoints, inclusion and consistency proofs (any signed-in person), and a
/// project's incident reports (its owner or auditor).
/// </summary>
public static class LedgerEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        // Checkpoints and proofs hold hashes and sizes only: any fully signed-in person may fetch them to verify the log.
        var group = app.MapGroup("/api/ledger");
        group.MapGet("/checkpoint", CheckpointAsync).RequireVeilSession().RequireRateLimiting(RateLimits.Api);
        group.MapGet("/public-key", PublicKeyAsync).RequireVeilSession().RequireRateLimiting(RateLimits.Api);
        group.MapGet("/proof/inclusion", InclusionAsync).RequireVeilSession().RequireRateLimiting(RateLimits.Api);
        group.MapGet("/proof/consistency", ConsistencyAsync).RequireVeilSession().RequireRateLimiting(RateLimits.Api);
        // Incident reports name persons: the project's owner or auditor, and only that project's entries.
        app.MapGet("/api/projects/{id:int}/incident", IncidentAsync).RequireVeil(Permission.ReadLedger).RequireRateLimiting(RateLimits.Api);
        // The notification list decrypts contact emails from the vault: a fresh step-up (ManageCredentials), and the
        // handler further limits it to the project's owners.
        app.MapPost("/api/projects/{id:int}/incident/notify", NotifyAsync).RequireVeil(Permission.ManageCredentials).RequireRateLimiting(RateLimits.Api);
    }

    /// <summary>The latest signed checkpoint (a fresh one when reads happened since), as a C2SP signed note.</summary>
    private static async Task CheckpointAsync(HttpContext context, AccessLedger ledger)
    {
        var latest = ledger.LatestCheckpoint;
        if (latest is null || latest.Checkpoint.Size != ledger.Size || context.Request.Query["fresh"] == "true") latest = await ledger.CheckpointAsync(context.RequestAborted);
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers["X-Veil-Verifier-Key"] = ledger.Signer!.VerifierKey;
        await context.Response.WriteAsync(latest.Note);
    }

    /// <summary>The checkpoint verifier key (signed-note format).</summary>
    private static async Task PublicKeyAsync(HttpContext context, AccessLedger ledger)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(ledger.Signer!.VerifierKey + "\n");
    }

    /// <summary>Inclusion proof of entry <c>index</c> in the tree of <c>size</c> (default: the current size).</summary>
    private static async Task InclusionAsync(HttpContext context, AccessLedger ledger)
    {
        var current = ledger.Size;
        var error = Number(context, "index", null, out var index);
        var error2 = Number(context, "size", current, out var size);
        if ((error ?? error2) is { } bad)
        {
            await Problems.Write(context, 400, "Bad number", bad);
            return;
        }
        if (size < 1 || size > current || index < 0 || index >= size)
        {
            await Problems.Write(context, 400, "Out of range", $"Need 0 ≤ index < size ≤ {current} (the ledger's size); got index {index}, size {size}.");
            return;
        }
        await WriteJsonAsync(context, w =>
        {
            w.WriteNumber("index", index);
            w.WriteNumber("size", size);
            w.WriteBase64String("leafHash", ledger.LeafHash(index));
            w.WriteBase64String("root", ledger.Root(size));
            WriteProof(w, ledger.InclusionProof(index, size));
        });
    }

    /// <summary>Consistency proof between sizes <c>from</c> and <c>to</c> (default: the current size).</summary>
    private static async Task ConsistencyAsync(HttpContext context, AccessLedger ledger)
    {
        var current = ledger.Size;
        var error = Number(context, "from", null, out var from);
        var error2 = Number(context, "to", current, out var to);
        if ((error ?? error2) is { } bad)
        {
            await Problems.Write(context, 400, "Bad number", bad);
            return;
        }
        if (from < 1 || from > to || to > current)
        {
            await Problems.Write(context, 400, "Out of range", $"Need 1 ≤ from ≤ to ≤ {current} (the ledger's size); got from {from}, to {to}.");
            return;
        }
        await WriteJsonAsync(context, w =>
        {
            w.WriteNumber("from", from);
            w.WriteNumber("to", to);
            w.WriteBase64String("fromRoot", ledger.Root(from));
            w.WriteBase64String("toRoot", ledger.Root(to));
            WriteProof(w, ledger.ConsistencyProof(from, to));
        });
    }

    /// <summary>
    /// The incident report for <c>credential</c>, <c>principal</c> or <c>ip</c> (CIDR), optional <c>from</c>/<c>to</c>,
    /// <c>format</c> md or json. It returns pseudonyms, so it is itself recorded on the ledger before it is sent.
    /// </summary>
    private static async Task IncidentAsync(HttpContext context, int id, ProjectDirectory projects, AccessLedger ledger, ReadRecorder recorder)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        var q = context.Request.Query;
        IPNetwork? network = null;
        if (q["ip"].ToString() is { Length: > 0 } cidr)
        {
            if (IPNetwork.TryParse(cidr, out var parsed)) network = parsed;
            else if (IPAddress.TryParse(cidr, out var one)) network = new IPNetwork(one, one.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            else
            {
                await Problems.Write(context, 400, "Bad ip", $"`ip` must be a network like 203.0.113.0/24, got \"{cidr}\".");
                return;
            }
        }
        if (!TryTime(q["from"], out var from) || !TryTime(q["to"], out var to))
        {
            await Problems.Write(context, 400, "Bad time", "`from` and `to` must be ISO 8601 times, e.g. 2026-11-01T00:00Z.");
            return;
        }
        var query = new IncidentQuery
        {
            Credential = q["credential"].ToString() is { Length: > 0 } c ? c : null,
            Principal = q["principal"].ToString() is { Length: > 0 } p ? p : null,
            Network = network,
            From = from,
            To = to,
            Project = id,
        };
        try
        {
            query.Validate();
        }
        catch (ArgumentException e)
        {
            await Problems.Write(context, 400, "Bad incident query", e.Message.Replace("--", "", StringComparison.Ordinal));
            return;
        }
        var format = q["format"].ToString() is { Length: > 0 } f ? f : "json";
        if (format is not ("json" or "md"))
        {
            await Problems.Write(context, 400, "Bad format", "`format` is json or md.");
            return;
        }
        var report = await ledger.ReportAsync(query);
        var subjects = report.AffectedPersons.Select(a => new Core.Privacy.Pseudonym(UInt128.Parse(a.Pseudonym, NumberStyles.HexNumber, CultureInfo.InvariantCulture)));
        // The report lists pseudonyms, so it is a read of individual-level data itself, recorded before it is sent.
        if (!await recorder.RecordAsync(context, "incident.report", id, context.Request.QueryString.Value ?? "",
                [new LedgerField("pseudonym", DataClassification.Pseudonymous), new LedgerField("timeline", DataClassification.Aggregate)],
                report.AffectedPersons.Count, subjects)) return;
        if (format == "md")
        {
            context.Response.ContentType = "text/markdown; charset=utf-8";
            await context.Response.WriteAsync(IncidentReportFormatter.ToMarkdown(report));
            return;
        }
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer)) IncidentReportFormatter.WriteJson(writer, report);
        await context.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary>
    /// The notification list for an incident: body <c>{"credential"|"principal"|"ip", "from", "to"}</c>, the incident report
    /// scoped to the project, and each affected person's <c>$email</c> from the identity vault (under any of the person's
    /// merged ids). The lookup is recorded on the ledger (persons as subjects, <c>$email</c> as vault PII) before the list
    /// is returned; the guard's budgets apply to it like any read.
    /// </summary>
    private static async Task NotifyAsync(HttpContext context, int id, ProjectDirectory projects, AccessLedger ledger, ReadRecorder recorder,
        IEventStore store, IdentityVault vault)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is not { } project) return;
        using var form = await JsonForm.ReadAsync(context);
        if (form is null) return;
        var credential = form.String("credential", 256, out var problem, required: false);
        var principal = problem is null ? form.String("principal", 256, out problem, required: false) : null;
        var ip = problem is null ? form.String("ip", 64, out problem, required: false) : null;
        var fromText = problem is null ? form.String("from", 40, out problem, required: false) : null;
        var toText = problem is null ? form.String("to", 40, out problem, required: false) : null;
        if (problem is not null)
        {
            await Problems.Write(context, 400, "Bad request", problem);
            return;
        }
        IPNetwork? network = null;
        if (ip is not null)
        {
            if (IPNetwork.TryParse(ip, out var parsed)) network = parsed;
            else if (IPAddress.TryParse(ip, out var one)) network = new IPNetwork(one, one.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            else
            {
                await Problems.Write(context, 400, "Bad ip", $"`ip` must be a network like 203.0.113.0/24, got \"{ip}\".");
                return;
            }
        }
        if (!TryTime(fromText ?? "", out var from) || !TryTime(toText ?? "", out var to))
        {
            await Problems.Write(context, 400, "Bad time", "`from` and `to` must be ISO 8601 times, e.g. 2026-11-01T00:00Z.");
            return;
        }
        var query = new IncidentQuery { Credential = credential, Principal = principal, Network = network, From = from, To = to, Project = id };
        try
        {
            query.Validate();
        }
        catch (ArgumentException e)
        {
            await Problems.Write(context, 400, "Bad incident query", e.Message.Replace("--", "", StringComparison.Ordinal));
            return;
        }
        // Contact details of everyone affected: owners only (admins manage credentials but do not read the ledger).
        if (context.GetVeilPrincipal()?.Role != Role.Owner)
        {
            await Problems.Write(context, 403, "Forbidden", "Only the project's owners may build the notification list.");
            return;
        }
        var report = await ledger.ReportAsync(query);
        var contacts = new List<object>(report.AffectedPersons.Count);
        var subjects = new List<Core.Privacy.Pseudonym>(report.AffectedPersons.Count);
        foreach (var affected in report.AffectedPersons)
        {
            var pseudonym = new Core.Privacy.Pseudonym(UInt128.Parse(affected.Pseudonym, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            subjects.Add(pseudonym);
            contacts.Add(new { pseudonym = affected.Pseudonym, email = Email(project, pseudonym, store, vault) });
        }
        if (!await recorder.RecordAsync(context, "incident.contacts", id, "notification list for " + query.Describe(),
                [new LedgerField("$email", DataClassification.VaultPii)], contacts.Count, subjects)) return;
        await Results.Json(new { project = id, scope = query.Describe(), persons = contacts.Count, contacts }).ExecuteAsync(context);
    }

    /// <summary>A person's contact email: the vault entry may be under any of the person's merged ids.</summary>
    private static string? Email(ProjectContext project, Core.Privacy.Pseudonym pseudonym, IEventStore store, IdentityVault vault)
    {
        var ids = store.FindPerson(project.Id, pseudonym)?.Ids ?? [];
        foreach (var candidate in ids.Prepend(pseudonym).Distinct())
        {
            if (vault.Read(project, candidate)?["$email"] is JsonValue value && value.TryGetValue<string>(out var email)) return email;
        }
        return null;
    }

    /// <summary>Reads a whole-number query parameter; returns the error to report, or null.</summary>
    private static string? Number(HttpContext context, string name, long? fallback, out long value)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0 && fallback is { } f)
        {
            value = f;
            return null;
        }
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) ? null : $"`{name}` must be a whole number, got \"{text}\".";
    }

    private static bool TryTime(Microsoft.Extensions.Primitives.StringValues text, out DateTimeOffset? value)
    {
        value = null;
        if (text.Count == 0 || text.ToString().Length == 0) return true;
        if (!DateTimeOffset.TryParse(text.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)) return false;
        value = parsed;
        return true;
    }

    private static void WriteProof(Utf8JsonWriter w, List<byte[]> proof)
    {
        w.WriteStartArray("proof");
        foreach (var hash in proof) w.WriteBase64StringValue(hash);
        w.WriteEndArray();
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> body)
    {
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(2048);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        await context.Response.Body.WriteAsync(buffer.WrittenMemory);
    }
}
