using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Validates Mixpanel events (<c>/track</c>, <c>/import</c>) one by one, mirroring what Mixpanel accepts and the
/// <c>failed_records</c> it reports. Rules:
/// <list type="bullet">
/// <item>an object with <c>event</c> (non-empty string, ≤ <see cref="WireLimits.MaxNameBytes"/>, no control characters)
/// and <c>properties</c> (object; optional on <c>/track</c>);</item>
/// <item><c>properties.time</c>: seconds or milliseconds (number or numeric string; above 1e11 means ms), kept to the ms.
/// <c>/track</c>: missing ⇒ arrival time, future ⇒ arrival time, older than 5 days ⇒ silently skipped.
/// <c>/import</c>: required, from 1971-01-01 to one hour ahead. Negative, non-finite, past year 3000 or non-numeric ⇒ rejected;</item>
/// <item><c>distinct_id</c>: string or number (kept as its JSON text); on <c>/import</c> required (<c>""</c> allowed) and
/// Mixpanel's placeholder values (<c>null</c>, <c>undefined</c>, <c>0</c>, …) rejected;</item>
/// <item><c>$insert_id</c>: 1–36 of <c>[A-Za-z0-9-]</c>; invalid ⇒ rejected on <c>/import</c>, ignored on <c>/track</c>
/// (the host assigns one); missing ⇒ rejected on <c>/import?strict=1</c> only (the Node SDK sends none);</item>
/// <item><c>properties.token</c> required on <c>/track</c>;</item>
/// <item>property names without quotes, backslashes, semicolons, backticks or control characters, unique, ≤ 255 bytes;
/// ≤ 255 properties, nested objects ≤ 3 deep and ≤ 255 keys, lists ≤ 255 items, string values ≤
/// <see cref="WireLimits.MaxPropertyValueBytes"/> (rejected, never truncated), event JSON ≤ <see cref="WireLimits.MaxEventBytes"/>.</item>
/// </list>
/// </summary>
public static class MixpanelEventValidator
{
    private const long FiveDaysMs = 5L * 24 * 60 * 60 * 1000;
    private const long OneHourMs = 60L * 60 * 1000;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement;

    // Values Mixpanel's /import rejects as distinct_id (reference/import-events.mdx), compared case-insensitively.
    private static readonly HashSet<string> PlaceholderIds = new(StringComparer.OrdinalIgnoreCase)
    {
        "00000000-0000-0000-0000-000000000000", "anon", "anonymous", "nil", "none", "null", "n/a", "na",
        "undefined", "unknown", "<nil>", "0", "-1", "true", "false", "[]", "{}",
    };

    // Longer ids cannot be placeholders, so most skip the case-insensitive hash.
    private static readonly int MaxPlaceholderLength = PlaceholderIds.Max(id => id.Length);

    /// <summary>Validates every item of a decoded <c>/track</c> or <c>/import</c> request.</summary>
    /// <param name="decoded">A successful decode result for an event endpoint.</param>
    /// <param name="nowMs">The request's arrival time, milliseconds since the epoch.</param>
    /// <param name="limits">The limits (the same as given to decoding).</param>
    public static MixpanelEventBatch ValidateAll(MixpanelDecodeResult decoded, long nowMs, WireLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        if (!decoded.Succeeded) throw new ArgumentException("The request did not decode; answer its error instead.", nameof(decoded));
        limits ??= WireLimits.Default;
        var batch = new MixpanelEventBatch();
        batch.Events.Capacity = decoded.Items.Count;
        var strings = new RecentStrings();
        foreach (var item in decoded.Items)
        {
            switch (Validate(decoded.Endpoint, decoded.Flags.Strict, item, nowMs, limits, strings, out var accepted, out var error))
            {
                case MixpanelItemOutcome.Accepted:
                    batch.Events.Add(accepted!);
                    break;
                case MixpanelItemOutcome.Skipped:
                    batch.Skipped++;
                    break;
                default:
                    batch.Errors.Add(error!);
                    break;
            }
        }
        if (decoded.ItemErrors.Count > 0)
        {
            batch.Errors.AddRange(decoded.ItemErrors);
            batch.Errors.Sort((a, b) => a.Index.CompareTo(b.Index));
        }
        return batch;
    }

    /// <summary>Validates one event item.</summary>
    /// <param name="endpoint"><see cref="MixpanelEndpoint.Track"/> or <see cref="MixpanelEndpoint.Import"/>.</param>
    /// <param name="strict">Whether the request had <c>strict=1</c>.</param>
    /// <param name="item">The item.</param>
    /// <param name="nowMs">The request's arrival time, milliseconds since the epoch.</param>
    /// <param name="limits">The limits.</param>
    /// <param name="accepted">The event when accepted.</param>
    /// <param name="error">The reason when rejected.</param>
    public static MixpanelItemOutcome Validate(
        MixpanelEndpoint endpoint, bool strict, MixpanelWireItem item, long nowMs, WireLimits limits,
        out MixpanelEvent? accepted, out ItemError? error) =>
        Validate(endpoint, strict, item, nowMs, limits, strings: null, out accepted, out error);

    private static MixpanelItemOutcome Validate(
        MixpanelEndpoint endpoint, bool strict, MixpanelWireItem item, long nowMs, WireLimits limits, RecentStrings? strings,
        out MixpanelEvent? accepted, out ItemError? error)
    {
        if (endpoint is not (MixpanelEndpoint.Track or MixpanelEndpoint.Import))
            throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Events come only from /track and /import.");
        ArgumentNullException.ThrowIfNull(limits);
        accepted = null;
        var import = endpoint == MixpanelEndpoint.Import;
        var index = item.Index;
        var value = item.Value;
        string? insertIdForErrors = null;

        MixpanelItemOutcome Reject(string field, string message, out ItemError? rejected)
        {
            rejected = new ItemError(index, insertIdForErrors, field, message);
            return MixpanelItemOutcome.Rejected;
        }

        if (value.ValueKind != JsonValueKind.Object)
            return Reject("item", $"each event must be a JSON object with `event` and `properties`, got {JsonChecks.KindName(value.ValueKind)}", out error);
        var size = JsonMarshal.GetRawUtf8Value(value).Length;
        if (size > limits.MaxEventBytes)
            return Reject("item", $"event is {size} bytes of JSON; the limit is {limits.MaxEventBytes}", out error);

        // One pass over the keys instead of a lookup per field; also the only safe way, since a lookup throws on a
        // key with an unpaired surrogate escape.
        JsonElement nameElement = default, properties = default;
        foreach (var property in value.EnumerateObject())
        {
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            if (raw.IndexOf((byte)'\\') >= 0 && JsonChecks.HasUnpairedSurrogateEscape(raw))
                return Reject("item", $"key `{JsonChecks.DisplayName(raw)}` contains an unpaired UTF-16 surrogate escape", out error);
            if (JsonChecks.NameIs(property, raw, "event"u8)) nameElement = property.Value;
            else if (JsonChecks.NameIs(property, raw, "properties"u8)) properties = property.Value;
        }

        if (properties.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            if (import) return Reject("properties", "missing `properties` (it must hold at least `time` and `distinct_id`)", out error);
            properties = EmptyObject;
        }
        else if (properties.ValueKind != JsonValueKind.Object)
        {
            return Reject("properties", $"`properties` must be an object, got {JsonChecks.KindName(properties.ValueKind)}", out error);
        }

        // One walk over the properties finds the fields read here and `$ignore`, and runs the shape checks (names,
        // duplicates, values) whose first problem is reported after the field errors, as a separate pass would.
        JsonElement insertIdElement = default, tokenElement = default, timeElement = default, distinctElement = default;
        var ignore = false;
        string? problem = null, problemPath = "";
        var count = properties.GetPropertyCount();
        if (count > limits.MaxProperties) problem = JsonChecks.TooManyProperties(count, limits.MaxProperties);
        var slots = problem is null ? JsonChecks.NameTableSlots(count) : 0;
        ulong[]? rentedTable = null;
        var nameTable = slots <= 512 ? stackalloc ulong[slots] : (rentedTable = ArrayPool<ulong>.Shared.Rent(slots)).AsSpan(0, slots);
        try
        {
            if (rentedTable is not null) nameTable.Clear();
            foreach (var property in properties.EnumerateObject())
            {
                var raw = JsonMarshal.GetRawUtf8PropertyName(property);
                var escaped = raw.IndexOf((byte)'\\') >= 0;
                if (escaped && JsonChecks.HasUnpairedSurrogateEscape(raw))
                {
                    var field = "properties." + JsonChecks.DisplayName(raw);
                    return Reject(field, $"`{field}` property name contains an unpaired UTF-16 surrogate escape", out error);
                }
                // The first byte narrows the compare; an escaped name may spell any of them.
                var first = raw.IsEmpty ? (byte)0 : raw[0];
                if ((first == (byte)'t' || escaped) && JsonChecks.NameIs(property, raw, "token"u8)) tokenElement = property.Value;
                else if ((first == (byte)'t' || escaped) && JsonChecks.NameIs(property, raw, "time"u8)) timeElement = property.Value;
                else if ((first == (byte)'d' || escaped) && JsonChecks.NameIs(property, raw, "distinct_id"u8)) distinctElement = property.Value;
                else if ((first == (byte)'$' || escaped) && JsonChecks.NameIs(property, raw, "$insert_id"u8)) insertIdElement = property.Value;
                else if ((first == (byte)'$' || escaped) && JsonChecks.NameIs(property, raw, "$ignore"u8)) ignore = property.Value.ValueKind == JsonValueKind.True;
                if (problem is null) problem = JsonChecks.CheckProperty(property, raw, nameTable, objectDepth: 0, limits, out problemPath);
            }
        }
        finally
        {
            if (rentedTable is not null) ArrayPool<ulong>.Shared.Return(rentedTable);
        }

        // $insert_id first, so later errors can carry it like Mixpanel's failed_records do.
        string? insertId = null;
        if (insertIdElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            var text = insertIdElement.ValueKind == JsonValueKind.String ? JsonChecks.TryGetString(insertIdElement) : null;
            if (text is not null && Encoding.UTF8.GetByteCount(text) <= limits.MaxNameBytes) insertIdForErrors = text;
            if (text is not null && IsValidInsertId(text)) insertId = text;
            else if (import)
            {
                return Reject("properties.$insert_id",
                    $"`properties.$insert_id` must be 1 to 36 characters from A-Z, a-z, 0-9 and '-', got {JsonChecks.Display(insertIdElement)}", out error);
            }
        }
        else if (import && strict)
        {
            return Reject("properties.$insert_id", "missing `properties.$insert_id` (required with strict=1, it makes retries safe)", out error);
        }

        if (nameElement.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return Reject("event", "missing `event` (the event name)", out error);
        if (nameElement.ValueKind != JsonValueKind.String)
            return Reject("event", $"`event` must be a string, got {JsonChecks.Display(nameElement)}", out error);
        var name = strings is null ? JsonChecks.TryGetString(nameElement) : strings.Get(nameElement);
        if (name is null) return Reject("event", "`event` contains an unpaired UTF-16 surrogate escape", out error);
        if (name.Length == 0) return Reject("event", "`event` is empty", out error);
        var nameBytes = Encoding.UTF8.GetByteCount(name);
        if (nameBytes > limits.MaxNameBytes)
            return Reject("event", $"`event` is {nameBytes} bytes long; the limit is {limits.MaxNameBytes}", out error);
        foreach (var c in name)
        {
            if (char.IsControl(c)) return Reject("event", $"`event` contains the control character U+{(int)c:X4}", out error);
        }

        string? token = null;
        if (tokenElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (tokenElement.ValueKind != JsonValueKind.String)
                return Reject("properties.token", $"`properties.token` must be a string, got {JsonChecks.Display(tokenElement)}", out error);
            token = strings is null ? JsonChecks.TryGetString(tokenElement) : strings.Get(tokenElement);
            if (string.IsNullOrEmpty(token) || Encoding.UTF8.GetByteCount(token) > limits.MaxNameBytes)
                return Reject("properties.token", $"`properties.token` must be a project token, got {JsonChecks.Display(tokenElement)}", out error);
        }
        else if (!import)
        {
            return Reject("properties.token", "missing properties.token (the project token)", out error);
        }

        long timeMs;
        switch (EpochTime.Read(timeElement, out timeMs, out var timeReason))
        {
            case EpochTime.Status.Missing:
                if (import) return Reject("properties.time", "missing `properties.time` (required on /import)", out error);
                timeMs = nowMs;
                break;
            case EpochTime.Status.Invalid:
                return Reject("properties.time", $"`properties.time` {timeReason}, got {JsonChecks.Display(timeElement)}", out error);
        }
        if (import)
        {
            if (timeMs < EpochTime.ImportMinMs)
                return Reject("properties.time", $"`properties.time` is before 1971-01-01, got {JsonChecks.Display(timeElement)}", out error);
            if (timeMs > nowMs + OneHourMs)
                return Reject("properties.time", $"`properties.time` is more than an hour in the future, got {JsonChecks.Display(timeElement)}", out error);
        }

        string? distinctId = null;
        if (distinctElement.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            distinctId = distinctElement.ValueKind switch
            {
                JsonValueKind.String => JsonChecks.TryGetString(distinctElement),
                JsonValueKind.Number => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(distinctElement)),
                _ => null,
            };
            if (distinctId is null)
                return Reject("properties.distinct_id", $"`properties.distinct_id` must be a string or a number, got {JsonChecks.Display(distinctElement)}", out error);
            var idBytes = Encoding.UTF8.GetByteCount(distinctId);
            if (idBytes > limits.MaxNameBytes)
                return Reject("properties.distinct_id", $"`properties.distinct_id` is {idBytes} bytes long; the limit is {limits.MaxNameBytes}", out error);
            if (import && distinctId.Length <= MaxPlaceholderLength && PlaceholderIds.Contains(distinctId))
            {
                return Reject("properties.distinct_id",
                    $"`properties.distinct_id` is {JsonChecks.Display(distinctElement)}, a placeholder Mixpanel refuses; send the real id, or \"\" for events without a user", out error);
            }
        }
        else if (import)
        {
            return Reject("properties.distinct_id", "missing `properties.distinct_id` (required on /import; send \"\" for events without a user)", out error);
        }

        if (problem is not null) return Reject("properties" + problemPath, $"`properties{problemPath}` {problem}", out error);

        error = null;
        if (!import)
        {
            // Mixpanel drops /track events older than 5 days without an error; future times become the arrival time.
            if (timeMs < nowMs - FiveDaysMs) return MixpanelItemOutcome.Skipped;
            if (timeMs > nowMs) timeMs = nowMs;
        }
        accepted = new MixpanelEvent
        {
            Index = index,
            Name = name,
            Token = token,
            Properties = properties,
            TimeMs = timeMs,
            InsertId = insertId,
            DistinctId = distinctId,
            Ignore = ignore,
        };
        return MixpanelItemOutcome.Accepted;
    }

    private static bool IsValidInsertId(string text)
    {
        if (text.Length is 0 or > 36) return false;
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-')) return false;
        }
        return true;
    }
}
