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

/// <summary>
/// Cohort CRUD under <c>/api/projects/{id}/cohorts</c>. A cohort is saved as its JSON definition (docs/queries.md) and
/// evaluated when a report uses it (<c>{"operator": "inCohort", "cohort": ID}</c>); reading one returns its current size.
/// </summary>
public static class CohortEndpoints
{
    private const int MaxBodyBytes = 64 * 1024;

    public static void Map(IEndpointRouteBuilder app)
    {
        // Reading cohorts (definitions and sizes) is an aggregate read; defining them is for those who analyse individuals.
        app.MapGet("/api/projects/{id:int}/cohorts", ListAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/cohorts", CreateAsync).RequireVeil(Permission.ReadIndividual).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/cohorts/{cohortId:long}", GetAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapPut("/api/projects/{id:int}/cohorts/{cohortId:long}", UpdateAsync).RequireVeil(Permission.ReadIndividual).RequireRateLimiting(RateLimits.Api);
        app.MapDelete("/api/projects/{id:int}/cohorts/{cohortId:long}", DeleteAsync).RequireVeil(Permission.ReadIndividual).RequireRateLimiting(RateLimits.Api);
    }

    private static async Task ListAsync(HttpContext context, int id, ProjectDirectory projects, IMetadataStore metadata)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        await WriteAsync(context, 200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("cohorts");
            foreach (var cohort in metadata.ListCohorts(id)) WriteCohort(w, cohort, null);
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static async Task GetAsync(HttpContext context, int id, long cohortId, ProjectDirectory projects, IMetadataStore metadata, IEventStore store,
        ReadRecorder recorder, VeilServerOptions options)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        if (metadata.FindCohort(id, cohortId) is not { } cohort)
        {
            await Problems.Write(context, 404, "No such cohort", $"Project {id} has no cohort {cohortId}.");
            return;
        }
        var definition = QueryJson.Cohort(QueryJson.ParseDocument(cohort.DefinitionJson)).Definition;
        long? size = new ReportRunner(store, metadata).CountCohort(id, definition, context.RequestAborted, cohortId);
        // A cohort's size counts persons: under k it is suppressed for those who may not read individuals.
        if (QueryEndpoints.ThresholdFor(context, options).MinimumPersons is { } k && size < k) size = null;
        if (!await recorder.RecordAsync(context, "cohort.size", id, "cohort=" + cohortId.ToString(System.Globalization.CultureInfo.InvariantCulture), ReadRecorder.Aggregate, 1, [])) return;
        await WriteAsync(context, 200, w => WriteCohort(w, cohort, size));
    }

    private static async Task CreateAsync(HttpContext context, int id, ProjectDirectory projects, IMetadataStore metadata, IEventStore store)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        if (await ReadDefinitionAsync(context) is not { } parsed) return;
        var cohort = metadata.CreateCohort(id, parsed.Name, parsed.Json);
        if (parsed.Definition.Static) new ReportRunner(store, metadata).SaveSnapshot(id, cohort.Id, parsed.Definition);
        context.Response.Headers.Location = $"/api/projects/{id}/cohorts/{cohort.Id}";
        await WriteAsync(context, 201, w => WriteCohort(w, cohort, null));
    }

    private static async Task UpdateAsync(HttpContext context, int id, long cohortId, ProjectDirectory projects, IMetadataStore metadata, IEventStore store)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        if (await ReadDefinitionAsync(context) is not { } parsed) return;
        if (!metadata.UpdateCohort(id, cohortId, parsed.Name, parsed.Json))
        {
            await Problems.Write(context, 404, "No such cohort", $"Project {id} has no cohort {cohortId}.");
            return;
        }
        // Saving a static cohort takes a new snapshot; a cohort made dynamic drops its old one.
        new ReportRunner(store, metadata).SaveSnapshot(id, cohortId, parsed.Definition);
        await WriteAsync(context, 200, w => WriteCohort(w, metadata.FindCohort(id, cohortId)!, null));
    }

    private static async Task DeleteAsync(HttpContext context, int id, long cohortId, ProjectDirectory projects, IMetadataStore metadata, IEventStore store)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        if (!metadata.DeleteCohort(id, cohortId))
        {
            await Problems.Write(context, 404, "No such cohort", $"Project {id} has no cohort {cohortId}.");
            return;
        }
        new ReportRunner(store, metadata).SaveSnapshot(id, cohortId, null);
        context.Response.StatusCode = 204;
    }

    /// <summary>The validated definition (name and the JSON as sent), or null after writing a problem.</summary>
    private static async Task<(string Name, string Json, CohortDefinition Definition)?> ReadDefinitionAsync(HttpContext context)
    {
        using var body = await RequestBodies.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.Write(context, 413, "Cohort too large", $"A cohort definition is at most {MaxBodyBytes / 1024} KiB.");
            return null;
        }
        var json = System.Text.Encoding.UTF8.GetString(body.WrittenSpan);
        try
        {
            var (name, definition) = QueryJson.Cohort(QueryJson.ParseDocument(json));
            return (name, json, definition);
        }
        catch (QueryValidationException e)
        {
            await Problems.Write(context, 400, "Invalid cohort", e.Message);
            return null;
        }
    }

    private static void WriteCohort(Utf8JsonWriter w, CohortRecord cohort, long? size)
    {
        w.WriteStartObject();
        w.WriteNumber("id", cohort.Id);
        w.WriteString("name", cohort.Name);
        w.WritePropertyName("definition");
        using (var definition = JsonDocument.Parse(cohort.DefinitionJson)) definition.RootElement.WriteTo(w);
        w.WriteString("createdAt", cohort.CreatedAt);
        w.WriteString("updatedAt", cohort.UpdatedAt);
        if (size is { } s) w.WriteNumber("size", s);
        w.WriteEndObject();
    }

    private static async Task WriteAsync(HttpContext context, int status, Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
