using System.Globalization;
using System.Text.Json;
using Veil.Access;
using Veil.Hosting;
using Veil.Projects;
using Veil.Security.Access;
using Veil.Storage;

namespace Veil.Endpoints;

/// <summary>The read API available until the query engine lands: events per day, authenticated like Mixpanel's query API.</summary>
public static class ReadEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/api/projects/{id:int}/events/count", CountAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/privacy/pii-hits", PiiHitsAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/inventory", InventoryAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/privacy/policy", GetPolicyAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapPut("/api/projects/{id:int}/privacy/policy", PutPolicyAsync).RequireVeil(Permission.Admin).RequireRateLimiting(RateLimits.Api);
    }

    private static async Task CountAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, ReadRecorder recorder)
    {
        if (await AuthenticateAsync(context, projects, id) is null) return;
        var query = context.Request.Query;
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        if (!TryDate(query["from"], today.AddDays(-30), out var from) || !TryDate(query["to"], today, out var to))
        {
            await Problems.Write(context, 400, "Bad date", "`from` and `to` must be dates as YYYY-MM-DD.");
            return;
        }
        if (to < from)
        {
            await Problems.Write(context, 400, "Bad date range", $"`to` ({to:yyyy-MM-dd}) is before `from` ({from:yyyy-MM-dd}).");
            return;
        }
        var eventName = query["event"].ToString();
        var days = store.CountEventsPerDay(id, from, to, eventName.Length == 0 ? null : eventName);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("project", id);
            writer.WriteString("from", from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            writer.WriteString("to", to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            if (eventName.Length > 0) writer.WriteString("event", eventName);
            writer.WriteNumber("total", days.Sum(d => d.Count));
            writer.WriteStartArray("days");
            foreach (var day in days)
            {
                writer.WriteStartObject();
                writer.WriteString("date", day.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
                writer.WriteNumber("count", day.Count);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        var canonical = string.Create(CultureInfo.InvariantCulture, $"from={from:yyyy-MM-dd} to={to:yyyy-MM-dd} event={eventName}");
        if (!await recorder.RecordAsync(context, "events.count", id, canonical, ReadRecorder.Aggregate, days.Count, [])) return;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>The project's PII policy (the default redacts every hit).</summary>
    private static async Task GetPolicyAsync(HttpContext context, int id, ProjectDirectory projects)
    {
        if (await AuthenticateAsync(context, projects, id) is null) return;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(projects.GetPiiPolicyJson(id) ?? "{\"detectors\":{},\"properties\":{},\"allow\":[]}");
    }

    /// <summary>Replaces the project's PII policy after validating it.</summary>
    private static async Task PutPolicyAsync(HttpContext context, int id, ProjectDirectory projects)
    {
        if (await AuthenticateAsync(context, projects, id) is null) return;
        using var body = await RequestBodies.ReadAsync(context.Request, 64 * 1024, context.RequestAborted);
        if (body is null)
        {
            await Problems.Write(context, 413, "Policy too large", "A PII policy is at most 64 KiB.");
            return;
        }
        var json = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
        if (!projects.TrySetPiiPolicy(id, json, out var error))
        {
            await Problems.Write(context, 400, "Invalid policy", error!);
            return;
        }
        context.Response.StatusCode = 204;
    }

    /// <summary>
    /// The project of an endpoint that carries <c>.RequireVeil(…)</c>: the authorization layer has already checked the
    /// caller (the principal is <c>context.GetVeilPrincipal()</c>); this only answers 404 for a project that does not exist.
    /// </summary>
    internal static async Task<ProjectContext?> AuthenticateAsync(HttpContext context, ProjectDirectory projects, int id)
    {
        if (context.GetVeilPrincipal() is null)
        {
            // Fail closed: an endpoint that was not given a rule must not serve data.
            await Problems.Write(context, 403, "Forbidden", "This endpoint has no authorization rule.");
            return null;
        }
        if (projects.FindById(id) is { } project) return project;
        await Problems.Write(context, 404, "Not found", $"There is no project {id}.");
        return null;
    }

    /// <summary>What Veil stores for the project, classified (the data inventory).</summary>
    private static async Task InventoryAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, Core.Privacy.Pii.PiiHitCounter counter, Privacy.IdentityVault vault, ReadRecorder recorder)
    {
        if (await AuthenticateAsync(context, projects, id) is not { } project) return;
        var entries = Privacy.DataInventory.Build(id, store, vault.Count(project), counter.Snapshot(), projects.GetGroupKeys(id));
        context.Response.ContentType = "application/json";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Privacy.InventoryJson.Write(writer, id, entries);
        }
        if (!await recorder.RecordAsync(context, "inventory", id, "", ReadRecorder.Aggregate, entries.Count, [])) return;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory);
    }

    /// <summary>How often each detector fired on each property since start (names and counts only, never values).</summary>
    private static async Task PiiHitsAsync(HttpContext context, int id, ProjectDirectory projects, Core.Privacy.Pii.PiiHitCounter counter, ReadRecorder recorder)
    {
        if (await AuthenticateAsync(context, projects, id) is null) return;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var rows = 0;
        await using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("project", id);
            writer.WriteStartArray("hits");
            foreach (var hit in counter.Snapshot().Where(h => h.ProjectId == id).OrderByDescending(h => h.Count))
            {
                writer.WriteStartObject();
                writer.WriteString("property", hit.PropertyName);
                writer.WriteString("detector", hit.Detector.ToString());
                writer.WriteNumber("count", hit.Count);
                writer.WriteEndObject();
                rows++;
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        if (!await recorder.RecordAsync(context, "privacy.pii-hits", id, "", ReadRecorder.Aggregate, rows, [])) return;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static bool TryDate(string? text, DateOnly fallback, out DateOnly date)
    {
        if (string.IsNullOrEmpty(text))
        {
            date = fallback;
            return true;
        }
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);
    }
}
