using System.Text.Json;
using Veil.Access;
using Veil.Hosting;
using Veil.Projects;
using Veil.Query;
using Veil.Query.Model;
using Veil.Querying;
using Veil.Security.Access;
using Veil.Storage;
using Veil.Storage.Metadata;

namespace Veil.Endpoints;

/// <summary>The report API: <c>POST /api/projects/{id}/query/{insights|funnels}</c> with a JSON query (docs/queries.md), and the project's time zone.</summary>
public static class QueryEndpoints
{
    /// <summary>Largest query body accepted.</summary>
    public const int MaxQueryBytes = 256 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/projects/{id:int}/query/{kind}", QueryAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/settings/timezone", GetTimeZoneAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapPut("/api/projects/{id:int}/settings/timezone", PutTimeZoneAsync).RequireVeil(Permission.Admin).RequireRateLimiting(RateLimits.Api);
    }

    private static async Task QueryAsync(HttpContext context, int id, string kind, ProjectDirectory projects, IEventStore store, IMetadataStore metadata,
        ReadRecorder recorder, VeilServerOptions options)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        if (ReportRunner.Kind(kind) is not { } report)
        {
            await Problems.Write(context, 404, "Unknown report", $"There is no report \"{(kind.Length > 32 ? kind[..32] : kind)}\"; use one of: {string.Join(", ", ReportRunner.Kinds)}.");
            return;
        }
        using var body = await RequestBodies.ReadAsync(context.Request, MaxQueryBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.Write(context, 413, "Query too large", $"A query is at most {MaxQueryBytes / 1024} KiB.");
            return;
        }
        object result;
        try
        {
            var json = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
            result = new ReportRunner(store, metadata).Run(report, id, json, ThresholdFor(context, options), context.RequestAborted);
        }
        catch (QueryValidationException e)
        {
            await Problems.Write(context, 400, "Invalid query", e.Message);
            return;
        }
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            ReportRunner.Write(writer, result);
        }
        // Reports are aggregates: no person's individual-level data leaves, so the entry names no subjects.
        var canonical = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
        if (!await recorder.RecordAsync(context, "query." + kind, id, canonical, ReadRecorder.Aggregate, 1, [])) return;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>The k-threshold the caller's role sets: principals who may not read individuals get k, inside the engine.</summary>
    internal static QueryOptions ThresholdFor(HttpContext context, VeilServerOptions options) =>
        context.GetVeilPrincipal() is { AppliesKThreshold: false } ? QueryOptions.None : new QueryOptions(options.KThreshold);

    private static async Task GetTimeZoneAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, IMetadataStore metadata)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new TimeZoneBody(new ReportRunner(store, metadata).ProjectTimeZone(id)), QueryEndpointsJson.Default.TimeZoneBody));
    }

    private static async Task PutTimeZoneAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, IMetadataStore metadata)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        using var body = await RequestBodies.ReadAsync(context.Request, 4096, context.RequestAborted);
        TimeZoneBody? request = null;
        try
        {
            if (body is not null) request = JsonSerializer.Deserialize(body.WrittenSpan, QueryEndpointsJson.Default.TimeZoneBody);
        }
        catch (JsonException)
        {
        }
        if (request?.Timezone is not { } zone)
        {
            await Problems.Write(context, 400, "Invalid time zone", "Send {\"timezone\": \"Europe/Berlin\"} (an IANA time zone name).");
            return;
        }
        try
        {
            new ReportRunner(store, metadata).SetProjectTimeZone(id, zone);
        }
        catch (QueryValidationException e)
        {
            await Problems.Write(context, 400, "Invalid time zone", e.Message);
            return;
        }
        context.Response.StatusCode = 204;
    }
}
