using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Veil.Access;
using Veil.Core.Events;
using Veil.Core.Privacy;
using Veil.Hosting;
using Veil.Ingest.Wire;
using Veil.Privacy;
using Veil.Projects;
using Veil.Security.Access;
using Veil.Security.Ledger;
using Veil.Storage;

namespace Veil.Endpoints;

/// <summary>
/// The profile API: a person looked up by an original id (pseudonymised by the server) or by pseudonym, their non-PII
/// profile, their event timeline and their vault fields; group profiles and group keys. Lookups are POSTs so raw ids
/// travel in bodies, not in URLs that proxies and access logs keep.
/// </summary>
public static class ProfileEndpoints
{
    private const int MaxBodyBytes = 16 * 1024;
    private const int MaxIdBytes = 1024;
    private const int DefaultPage = 50;
    private const int MaxPage = 1000;

    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/projects/{id:int}/profiles/lookup", LookupAsync).RequireVeil(Permission.ReadIndividual).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/profiles/events", TimelineAsync).RequireVeil(Permission.ReadIndividual).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/profiles/vault", VaultAsync).RequireVeil(Permission.ReadVaultPii).RequireRateLimiting(RateLimits.Api);
        // Group profiles describe companies, not people: an aggregate read.
        app.MapPost("/api/projects/{id:int}/groups/lookup", GroupLookupAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapGet("/api/projects/{id:int}/group-keys", ListGroupKeysAsync).RequireVeil(Permission.ReadAggregate).RequireRateLimiting(RateLimits.Api);
        app.MapPost("/api/projects/{id:int}/group-keys", AddGroupKeyAsync).RequireVeil(Permission.Admin).RequireRateLimiting(RateLimits.Api);
    }

    private static async Task LookupAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, ReadRecorder recorder)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is not { } project) return;
        if (await ReadPersonAsync(context, project, store) is not { } person) return;
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("person", person.Person.ToString());
            writer.WriteBoolean("identified", person.Identified);
            writer.WriteStartArray("distinct_ids");
            foreach (var member in person.Ids) writer.WriteStringValue(member.ToString());
            writer.WriteEndArray();
            writer.WriteNumber("events", person.EventCount);
            writer.WritePropertyName("properties");
            if (person.PropertiesJson is null) writer.WriteNullValue();
            else writer.WriteRawValue(person.PropertiesJson, skipInputValidation: true);
            WriteTime(writer, "created_at", person.CreatedAt);
            WriteTime(writer, "last_seen", person.LastSeen);
            writer.WriteEndObject();
        }
        if (!await recorder.RecordAsync(context, "profile.lookup", id, "person=" + person.Person, ProfileFields, 1, [person.Person])) return;
        await SendAsync(context, buffer);
    }

    private static async Task TimelineAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, ReadRecorder recorder)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is not { } project) return;
        using var body = await ReadBodyAsync(context);
        if (body is null) return;
        var root = body.RootElement;
        var limit = DefaultPage;
        if (root.TryGetProperty("limit", out var limitValue)
            && (limitValue.ValueKind != JsonValueKind.Number || !limitValue.TryGetInt32(out limit) || limit is < 1 or > MaxPage))
        {
            await Problems.Write(context, 400, "Bad limit", $"`limit` must be a whole number from 1 to {MaxPage}.");
            return;
        }
        TimelineCursor? after = null;
        if (root.TryGetProperty("after", out var afterValue) && afterValue.ValueKind != JsonValueKind.Null)
        {
            if (afterValue.ValueKind != JsonValueKind.String || !TimelineCursor.TryParse(afterValue.GetString(), out var cursor))
            {
                await Problems.Write(context, 400, "Bad cursor", "`after` must be the `next` value of a previous page.");
                return;
            }
            after = cursor;
        }
        if (await ResolvePersonAsync(context, project, store, root) is not { } person) return;
        var events = store.ReadTimeline(id, person.Ids, after, limit);
        var buffer = new ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("person", person.Person.ToString());
            writer.WriteStartArray("events");
            foreach (var e in events) WriteEvent(writer, e);
            writer.WriteEndArray();
            if (events.Count == limit) writer.WriteString("next", new TimelineCursor(events[^1].TimeMs, events[^1].InsertId).ToString());
            else writer.WriteNull("next");
            writer.WriteEndObject();
        }
        var canonical = $"person={person.Person} limit={limit}" + (after is { } a ? " after=" + a : "");
        if (!await recorder.RecordAsync(context, "profile.events", id, canonical, EventFields, events.Count, [person.Person])) return;
        await SendAsync(context, buffer);
    }

    /// <summary>The person's vault fields (email, name, …), decrypted: every id merged into the person contributes.</summary>
    private static async Task VaultAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, IdentityVault vault, ReadRecorder recorder)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is not { } project) return;
        if (await ReadPersonAsync(context, project, store) is not { } person) return;
        var fields = new JsonObject();
        // The canonical id first, so its values win over those recorded under merged ids.
        foreach (var member in person.Ids)
        {
            if (vault.Read(project, member) is not { } entry) continue;
            foreach (var (name, value) in entry)
            {
                if (!fields.ContainsKey(name)) fields[name] = value?.DeepClone();
            }
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("person", person.Person.ToString());
            writer.WritePropertyName("fields");
            fields.WriteTo(writer);
            writer.WriteEndObject();
        }
        // The ledger names the vault fields returned (names only), so an incident report can say "emails were exposed".
        var returned = fields.Select(f => new LedgerField(f.Key, DataClassification.VaultPii)).ToList();
        if (!await recorder.RecordAsync(context, "profile.vault", id, "person=" + person.Person, returned, returned.Count > 0 ? 1 : 0, [person.Person])) return;
        await SendAsync(context, buffer);
    }

    private static async Task GroupLookupAsync(HttpContext context, int id, ProjectDirectory projects, IEventStore store, ReadRecorder recorder)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is not { } project) return;
        using var body = await ReadBodyAsync(context);
        if (body is null) return;
        var root = body.RootElement;
        if (!TryGetText(root, "group_key", out var groupKey) || !MixpanelProfileValidator.IsGroupKey(groupKey))
        {
            await Problems.Write(context, 400, "Missing group_key", "`group_key` must be the group type as sent in `$group_key`, e.g. \"company\".");
            return;
        }
        Pseudonym groupId;
        if (TryGetText(root, "group_id", out var rawId)) groupId = project.Privacy.PseudonymKey.ComputeGroup(groupKey, rawId);
        else if (TryGetText(root, "group", out var hex) && Pseudonym.TryParse(hex, out var parsed)) groupId = parsed;
        else
        {
            await Problems.Write(context, 400, "Missing group_id", "Send `group_id` (the id as sent in `$group_id`) or `group` (its pseudonym).");
            return;
        }
        if (store.FindGroupProfile(id, groupKey, groupId) is not { } group)
        {
            await Problems.Write(context, 404, "No such group", "No group profile has this key and id.");
            return;
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("group_key", group.GroupKey);
            writer.WriteString("group", group.GroupId.ToString());
            writer.WriteNumber("events", group.EventCount);
            writer.WritePropertyName("properties");
            writer.WriteRawValue(group.PropertiesJson, skipInputValidation: true);
            WriteTime(writer, "created_at", group.CreatedAt);
            WriteTime(writer, "last_seen", group.LastSeen);
            writer.WriteEndObject();
        }
        // A group is a company, not a person: an aggregate read with no subjects.
        if (!await recorder.RecordAsync(context, "group.lookup", id, $"group_key={group.GroupKey} group={group.GroupId}", GroupFields, 1, [])) return;
        await SendAsync(context, buffer);
    }

    private static async Task ListGroupKeysAsync(HttpContext context, int id, ProjectDirectory projects)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteStartArray("group_keys");
        foreach (var key in projects.GetGroupKeys(id)) writer.WriteStringValue(key);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    /// <summary>Declares a group key before events use it, so its values are pseudonymised from the first event on.</summary>
    private static async Task AddGroupKeyAsync(HttpContext context, int id, ProjectDirectory projects)
    {
        if (await ReadEndpoints.AuthenticateAsync(context, projects, id) is null) return;
        using var body = await ReadBodyAsync(context);
        if (body is null) return;
        if (!TryGetText(body.RootElement, "group_key", out var groupKey) || !MixpanelProfileValidator.IsGroupKey(groupKey))
        {
            await Problems.Write(context, 400, "Bad group_key",
                "`group_key` must be a property name of 1 to 255 UTF-8 bytes without quotes, backslashes, semicolons, backticks or control characters.");
            return;
        }
        context.Response.StatusCode = projects.AddGroupKey(id, groupKey) ? 201 : 200;
        context.Response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(context.Response.Body);
        writer.WriteStartObject();
        writer.WriteString("group_key", groupKey);
        writer.WriteEndObject();
    }

    private static readonly IReadOnlyList<LedgerField> ProfileFields =
        [new("distinct_ids", DataClassification.Pseudonymous), new("properties", DataClassification.Pseudonymous)];

    private static readonly IReadOnlyList<LedgerField> EventFields =
        [new("events", DataClassification.Pseudonymous), new("properties", DataClassification.Pseudonymous)];

    private static readonly IReadOnlyList<LedgerField> GroupFields = [new("group properties", DataClassification.Aggregate)];

    private static async Task SendAsync(HttpContext context, ArrayBufferWriter<byte> buffer)
    {
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    /// <summary>Reads the body and resolves <c>distinct_id</c> or <c>person</c> to a person; writes the 4xx itself.</summary>
    private static async Task<PersonRecord?> ReadPersonAsync(HttpContext context, ProjectContext project, IEventStore store)
    {
        using var body = await ReadBodyAsync(context);
        if (body is null) return null;
        return await ResolvePersonAsync(context, project, store, body.RootElement);
    }

    private static async Task<PersonRecord?> ResolvePersonAsync(HttpContext context, ProjectContext project, IEventStore store, JsonElement root)
    {
        Pseudonym id;
        if (TryGetText(root, "distinct_id", out var distinctId))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(distinctId) > MaxIdBytes)
            {
                await Problems.Write(context, 400, "Bad distinct_id", $"`distinct_id` is at most {MaxIdBytes} bytes.");
                return null;
            }
            id = project.Privacy.PseudonymKey.ComputeDistinctId(distinctId);
        }
        else if (TryGetText(root, "person", out var hex) && Pseudonym.TryParse(hex, out var parsed))
        {
            id = parsed;
        }
        else
        {
            await Problems.Write(context, 400, "Missing distinct_id",
                "Send `distinct_id` (an id as your SDK sent it; Veil pseudonymises it) or `person` (a pseudonym from a report).");
            return null;
        }
        var person = store.FindPerson(project.Id, id);
        if (person is null) await Problems.Write(context, 404, "No such person", "Veil has no events, profile or identity merge for this id.");
        return person;
    }

    private static async Task<JsonDocument?> ReadBodyAsync(HttpContext context)
    {
        using var body = await RequestBodies.ReadAsync(context.Request, MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.Write(context, 413, "Body too large", $"A lookup body is at most {MaxBodyBytes / 1024} KiB of JSON.");
            return null;
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.WrittenMemory);
        }
        catch (JsonException e)
        {
            await Problems.Write(context, 400, "Malformed JSON", $"The body is not valid JSON: {e.Message}");
            return null;
        }
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            await Problems.Write(context, 400, "Expected an object", "The body must be a JSON object, e.g. {\"distinct_id\":\"user-42\"}.");
            return null;
        }
        return document;
    }

    private static bool TryGetText(JsonElement root, string name, out string text)
    {
        text = "";
        if (!root.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String) return false;
        text = value.GetString()!;
        return text.Length > 0;
    }

    private static void WriteEvent(Utf8JsonWriter writer, StoredEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("event", e.Name);
        writer.WriteString("time", DateTime.UnixEpoch.AddMilliseconds(e.TimeMs).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteString("insert_id", e.InsertId);
        WriteId(writer, "distinct_id", e.DistinctId);
        WriteId(writer, "device_id", e.DeviceId);
        WriteId(writer, "user_id", e.UserId);
        WriteId(writer, "session_id", e.SessionId);
        WriteText(writer, "$country_code", e.Country);
        WriteText(writer, "$region", e.Region);
        WriteText(writer, "$city", e.City);
        WriteText(writer, "$browser", e.Browser);
        if (e.BrowserVersion is { } major) writer.WriteNumber("$browser_version", major);
        WriteText(writer, "$os", e.Os);
        WriteText(writer, "$os_version", e.OsVersion);
        WriteText(writer, "$device_type", e.DeviceType);
        WriteText(writer, "mp_lib", e.Lib);
        WriteText(writer, "$current_url", e.Url);
        WriteText(writer, "$referring_domain", e.ReferrerHost);
        WriteText(writer, "$screen", e.Screen);
        writer.WritePropertyName("properties");
        writer.WriteRawValue(e.PropertiesJson, skipInputValidation: true);
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, string name, Pseudonym? id)
    {
        if (id is { } value) writer.WriteString(name, value.ToString());
    }

    private static void WriteText(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null) writer.WriteString(name, value);
    }

    private static void WriteTime(Utf8JsonWriter writer, string name, DateTime? time)
    {
        if (time is { } t) writer.WriteString(name, DateTime.SpecifyKind(t, DateTimeKind.Utc).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        else writer.WriteNull(name);
    }
}
