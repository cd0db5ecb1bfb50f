using System.Text.Json;
using Veil.Access;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Ingest.Wire;
using Veil.Ingestion;
using Veil.Privacy;
using Veil.Projects;

namespace Veil.Endpoints;

/// <summary>
/// Mixpanel's ingestion API as the official SDKs use it: <c>/track</c>, <c>/import</c>, <c>/engage</c>, <c>/groups</c>
/// (with and without the browser SDK's trailing slash, GET and POST), plus minimal <c>/decide</c>, <c>/flags</c>, <c>/settings</c>.
/// </summary>
public static class MixpanelEndpoints
{
    private static readonly WireLimits Limits = WireLimits.Default;

    // Stands in for a body we stopped reading at the limit: the decoder answers 413 from its length alone, in the
    // reply shape the request's flags ask for. Shared and never written to.
    private static readonly Lazy<byte[]> OversizedBody = new(() => new byte[Limits.MaxBodyBytes + 1L]);

    public static void Map(IEndpointRouteBuilder app)
    {
        foreach (var (path, endpoint) in new[]
        {
            ("/track", MixpanelEndpoint.Track), ("/import", MixpanelEndpoint.Import),
            ("/engage", MixpanelEndpoint.Engage), ("/groups", MixpanelEndpoint.Groups),
        })
        {
            // Routing matches the browser SDK's trailing-slash form (/track/) too.
            app.MapMethods(path, ["GET", "POST"], (RequestDelegate)(context => HandleAsync(context, endpoint, nativeToken: null))).AllowVeilIngestion();
        }
        app.MapMethods("/decide", ["GET", "POST"], () => Results.Json(new { config = new { enable_collect_everything = false }, notifications = Array.Empty<object>(), feature_flags = Array.Empty<object>() }))
            .AllowVeilPublic("static SDK configuration stub");
        app.MapMethods("/flags", ["GET", "POST"], () => Results.Json(new { flags = new { } })).AllowVeilPublic("static SDK configuration stub");
        app.MapGet("/settings", () => Results.Json(new { sdk_config = new { config = new { } } })).AllowVeilPublic("static SDK configuration stub");
    }

    /// <summary>Decode, validate, authenticate, minimise, make durable, answer. <paramref name="nativeToken"/> is set for Veil's own endpoint.</summary>
    internal static async Task HandleAsync(HttpContext context, MixpanelEndpoint endpoint, string? nativeToken)
    {
        var services = context.RequestServices;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        // Read one byte past the limit so the decoder can tell "too large" (413) from "exactly at the limit".
        using var body = await RequestBodies.ReadAsync(context.Request, Limits.MaxBodyBytes + 1L, context.RequestAborted);
        var request = new WireRequest(context.Request.Method, context.Request.Path.Value ?? "", context.Request.QueryString.Value ?? "",
            context.Request.ContentType, context.Request.Headers.ContentEncoding.ToString() is { Length: > 0 } ce ? ce : null,
            body is null ? OversizedBody.Value : body.WrittenMemory);
        using var decoded = MixpanelWire.Decode(endpoint, request, Limits);
        if (!decoded.Succeeded)
        {
            await WriteAsync(context, MixpanelResponses.ForDecodeFailure(decoded));
            return;
        }
        var flags = nativeToken is null ? decoded.Flags : decoded.Flags with { Strict = true };
        var requestContext = new RequestContext
        {
            ClientAddress = flags.IpOverride ?? context.Connection.RemoteIpAddress,
            GeolocateFromRequest = flags.Ip || flags.IpOverride is not null,
            Device = CoarseDeviceOf(services, context.Request.Headers.UserAgent.ToString()),
            NowMs = nowMs,
        };
        var projects = services.GetRequiredService<ProjectDirectory>();
        var batch = new IngestBatch();
        // The projects the batch writes to, in order of first appearance (nearly always one): the rate limiter's input.
        var projectIds = new List<int>(1);
        MixpanelResponse response;
        if (endpoint is MixpanelEndpoint.Track or MixpanelEndpoint.Import)
        {
            var events = MixpanelEventValidator.ValidateAll(decoded, nowMs, Limits);
            ProjectContext? authenticated = null;
            if (nativeToken is not null)
            {
                authenticated = projects.FindByToken(nativeToken);
                if (authenticated is null)
                {
                    await WriteAsync(context, MixpanelResponses.Unauthorized(endpoint, flags, decoded.Carrier), "unknown project token");
                    return;
                }
            }
            else if (endpoint == MixpanelEndpoint.Import)
            {
                var auth = ProjectAuthenticator.Authenticate(context, projects, (int?)flags.ProjectId, allowToken: true);
                if (auth.Project is null)
                {
                    await WriteAsync(context, MixpanelResponses.Unauthorized(endpoint, flags, decoded.Carrier), auth.Failure);
                    return;
                }
                authenticated = auth.Project;
            }
            var minimiser = services.GetRequiredService<EventMinimiser>();
            batch.Events.Capacity = events.Events.Count;
            var kept = 0;
            var vaultItems = new List<Core.Privacy.Pii.PiiVaultItem>();
            var unknownTokens = 0;
            foreach (var e in events.Events)
            {
                if (e.Ignore)
                {
                    // Mixpanel's reserved `$ignore: true` drops the event; it still counts as accepted.
                    events.Skipped++;
                    continue;
                }
                var project = authenticated ?? (e.Token is null ? null : projects.FindByToken(e.Token));
                if (project is null)
                {
                    unknownTokens++;
                    events.Errors.Add(new ItemError(e.Index, e.InsertId, "properties.token", $"unknown project token \"{Truncate(e.Token)}\"; create a project with `veil project create` and use its token"));
                    continue;
                }
                kept++;
                vaultItems.Clear();
                var stored = minimiser.Minimise(new EventInput(e.Name, e.Properties, e.TimeMs, e.InsertId, e.DistinctId), project.Privacy, requestContext, vaultItems);
                batch.Events.Add(stored);
                if (!projectIds.Contains(stored.ProjectId)) projectIds.Add(stored.ProjectId);
                if (vaultItems.Count > 0 && stored.DistinctId is { } person) ToVault(services, project, person, vaultItems);
            }
            if (unknownTokens > 0 && kept == 0 && events.Skipped == 0 && unknownTokens == events.Errors.Count)
            {
                await WriteAsync(context, MixpanelResponses.ForRequestError(endpoint, flags, decoded.Carrier, 401,
                    "unknown project token: no project has this token; create one with `veil project create` and use its token"));
                return;
            }
            events.Errors.Sort((a, b) => a.Index.CompareTo(b.Index));
            response = MixpanelResponses.ForOutcome(endpoint, flags, decoded.Carrier, kept, events.Skipped, events.Errors);
        }
        else
        {
            var operations = MixpanelProfileValidator.ValidateAll(decoded, Limits);
            var accepted = 0;
            var unknownTokens = 0;
            foreach (var op in operations.Operations)
            {
                var project = projects.FindByToken(op.Token);
                if (project is null)
                {
                    unknownTokens++;
                    operations.Errors.Add(new ItemError(op.Index, null, "$token", $"unknown project token \"{Truncate(op.Token)}\""));
                    continue;
                }
                var kind = endpoint == MixpanelEndpoint.Groups ? ProfileKind.Group : ProfileKind.User;
                if (kind == ProfileKind.Group && !project.Privacy.GroupKeys.Contains(op.GroupKey!))
                {
                    // A group profile makes its key a group key: from now on events' values of it are group ids.
                    projects.AddGroupKey(project.Id, op.GroupKey!);
                    project = projects.FindById(project.Id) ?? project;
                }
                var subject = kind == ProfileKind.Group ? op.GroupId! : op.DistinctId!;
                var profileVaultItems = new List<Core.Privacy.Pii.PiiVaultItem>();
                var update = ProfileMinimiser.Minimise(
                    new ProfileInput(kind, op.GroupKey, subject, op.Operation, op.Value, op.TimeMs ?? nowMs, op.IgnoreTime, op.IgnoreAlias), project.Privacy, requestContext, profileVaultItems);
                if (kind == ProfileKind.User && profileVaultItems.Count > 0) ToVault(services, project, update.Subject, profileVaultItems);
                if (kind == ProfileKind.User)
                {
                    // Reserved PII ($email, $name, …) goes to the encrypted vault only, durably, before the acknowledgement.
                    services.GetRequiredService<IdentityVault>().Apply(project, update.Subject, op.Operation, VaultFields(op.Operation, op.Value));
                }
                batch.ProfileUpdates.Add(update);
                if (!projectIds.Contains(update.ProjectId)) projectIds.Add(update.ProjectId);
                if (kind == ProfileKind.User && op.Operation == "$set"
                    && services.GetRequiredService<EventMinimiser>().ProfileGeoJson(requestContext, op.Ip, project.Privacy.AllowCity) is { } geo)
                {
                    // Mixpanel geolocates profiles from `$ip` (or the request with ip=1); the address itself is dropped.
                    batch.ProfileUpdates.Add(new ProfileUpdate
                    {
                        ProjectId = update.ProjectId,
                        Kind = kind,
                        Subject = update.Subject,
                        Operation = "$set",
                        ValueJson = geo,
                        TimeMs = update.TimeMs,
                        IgnoreTime = true,
                        IngestedAtMs = update.IngestedAtMs,
                    });
                }
                accepted++;
            }
            if (unknownTokens > 0 && accepted == 0 && unknownTokens == operations.Errors.Count)
            {
                await WriteAsync(context, MixpanelResponses.ForRequestError(endpoint, flags, decoded.Carrier, 401, "unknown project token: no project has this token"));
                return;
            }
            operations.Errors.Sort((a, b) => a.Index.CompareTo(b.Index));
            response = MixpanelResponses.ForOutcome(endpoint, flags, decoded.Carrier, accepted, 0, operations.Errors);
        }

        if (!services.GetRequiredService<IngestRateLimiter>().TryAcquire(projectIds))
        {
            context.Response.Headers.RetryAfter = "1";
            await WriteAsync(context, MixpanelResponses.RateLimited(endpoint, flags, decoded.Carrier), "project token over its ingestion rate limit");
            return;
        }
        var outcome = await services.GetRequiredService<IngestionService>().AcceptAsync(batch, context.RequestAborted);
        if (outcome != IngestOutcome.Durable)
        {
            var (retryAfter, message) = outcome == IngestOutcome.Overloaded
                ? ("1", "Veil is busy writing earlier events; nothing from this request was stored. Retry after 1 s.")
                : ("5", "Veil cannot write to its log right now (disk full?); nothing from this request was stored. Retry later.");
            context.Response.Headers.RetryAfter = retryAfter;
            await WriteAsync(context, MixpanelResponses.ForRequestError(endpoint, flags, decoded.Carrier, 503, message));
            return;
        }
        await WriteAsync(context, response);
    }

    /// <summary>PII the project's policy sends to the vault (policy action `vault`), kept there under its property path.</summary>
    private static void ToVault(IServiceProvider services, ProjectContext project, Core.Privacy.Pseudonym person, List<Core.Privacy.Pii.PiiVaultItem> items) =>
        services.GetRequiredService<IdentityVault>().Apply(project, person, "$set",
            items.Select(i => new KeyValuePair<string, System.Text.Json.Nodes.JsonNode?>(i.Path, System.Text.Json.Nodes.JsonValue.Create(i.Value))).ToList());

    /// <summary>The PII part of a profile operation: reserved PII properties set, or named by <c>$unset</c>.</summary>
    private static List<KeyValuePair<string, System.Text.Json.Nodes.JsonNode?>> VaultFields(string operation, JsonElement value)
    {
        var fields = new List<KeyValuePair<string, System.Text.Json.Nodes.JsonNode?>>();
        if (operation is "$set" or "$set_once" && value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject())
            {
                if (ProfileMinimiser.PiiProperties.Contains(property.Name))
                {
                    fields.Add(new(property.Name, System.Text.Json.Nodes.JsonNode.Parse(property.Value.GetRawText())));
                }
            }
        }
        else if (operation == "$unset" && value.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in value.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String && ProfileMinimiser.PiiProperties.Contains(item.GetString()!)) fields.Add(new(item.GetString()!, null));
            }
        }
        return fields;
    }

    /// <summary>The user agent reduced to families and majors; the string goes no further than this call.</summary>
    private static CoarseDevice? CoarseDeviceOf(IServiceProvider services, string userAgent)
    {
        if (userAgent.Length == 0) return null;
        var info = services.GetRequiredService<Ingest.Enrichment.UserAgentClassifier>().Classify(userAgent);
        static string? Known(string family) => family is "Other" or "" ? null : family;
        return new CoarseDevice(Known(info.BrowserFamily), info.BrowserMajor, Known(info.OsFamily), info.OsMajor, info.DeviceType);
    }

    private static async Task WriteAsync(HttpContext context, MixpanelResponse response, string? reason = null)
    {
        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType;
        if (response.StatusCode >= 400 && (reason ?? response.Error) is { } why)
        {
            // The plain `0` body cannot say why; a header can, for developers looking at the network tab.
            context.Response.Headers["X-Veil-Error"] = HeaderSafe(why);
        }
        context.Response.ContentLength = response.Body.Length;
        await context.Response.Body.WriteAsync(response.Body);
    }

    private static string HeaderSafe(string text)
    {
        var chars = text.Where(c => c is >= ' ' and <= '~').Take(300).ToArray();
        return new string(chars);
    }

    private static string Truncate(string? text) => text is null ? "" : text.Length <= 40 ? text : text[..40] + "…";
}
