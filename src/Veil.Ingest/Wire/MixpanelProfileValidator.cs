using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Validates Mixpanel profile updates (<c>/engage</c> users, <c>/groups</c> groups). Each update is an object with
/// <c>$token</c>, the subject (<c>$distinct_id</c>, or <c>$group_key</c> + <c>$group_id</c>) and exactly one operator:
/// <c>$set</c>, <c>$set_once</c>, <c>$add</c> (numbers), <c>$append</c>, <c>$union</c> (lists), <c>$remove</c>
/// (objects), <c>$unset</c> (list of names) or <c>$delete</c> (any value). Groups take neither <c>$add</c> nor
/// <c>$append</c>. Modifiers: <c>$ignore_time</c>, <c>$ip</c>, <c>$time</c>, <c>$latitude</c>, <c>$longitude</c>,
/// <c>$ignore_alias</c>. Other <c>$</c> keys holding an object or a list are taken for unknown operators and
/// rejected; other keys (<c>$device_id</c>, <c>$user_id</c> from the browser SDK, …) are ignored.
/// </summary>
public static class MixpanelProfileValidator
{
    /// <summary>Whether <paramref name="key"/> can name a group type (<c>$group_key</c>): a valid property name.</summary>
    public static bool IsGroupKey(string key, WireLimits? limits = null) =>
        JsonChecks.CheckNameText(key, (limits ?? WireLimits.Default).MaxNameBytes) is null;

    /// <summary>Validates every item of a decoded <c>/engage</c> or <c>/groups</c> request.</summary>
    public static MixpanelProfileBatch ValidateAll(MixpanelDecodeResult decoded, WireLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(decoded);
        if (!decoded.Succeeded) throw new ArgumentException("The request did not decode; answer its error instead.", nameof(decoded));
        limits ??= WireLimits.Default;
        var batch = new MixpanelProfileBatch();
        var strings = new RecentStrings();
        foreach (var item in decoded.Items)
        {
            if (Validate(decoded.Endpoint, item, limits, strings, out var operation, out var error)) batch.Operations.Add(operation!);
            else batch.Errors.Add(error!);
        }
        if (decoded.ItemErrors.Count > 0)
        {
            batch.Errors.AddRange(decoded.ItemErrors);
            batch.Errors.Sort((a, b) => a.Index.CompareTo(b.Index));
        }
        return batch;
    }

    /// <summary>Validates one profile update; true with <paramref name="operation"/>, or false with <paramref name="error"/>.</summary>
    public static bool Validate(
        MixpanelEndpoint endpoint, MixpanelWireItem item, WireLimits limits,
        out MixpanelProfileOperation? operation, out ItemError? error) =>
        Validate(endpoint, item, limits, strings: null, out operation, out error);

    private static bool Validate(
        MixpanelEndpoint endpoint, MixpanelWireItem item, WireLimits limits, RecentStrings? strings,
        out MixpanelProfileOperation? operation, out ItemError? error)
    {
        if (endpoint is not (MixpanelEndpoint.Engage or MixpanelEndpoint.Groups))
            throw new ArgumentOutOfRangeException(nameof(endpoint), endpoint, "Profile updates come only from /engage and /groups.");
        ArgumentNullException.ThrowIfNull(limits);
        operation = null;
        var groups = endpoint == MixpanelEndpoint.Groups;
        var index = item.Index;
        var value = item.Value;

        bool Reject(string field, string message, out ItemError? rejected)
        {
            rejected = new ItemError(index, null, field, message);
            return false;
        }

        if (value.ValueKind != JsonValueKind.Object)
            return Reject("item", $"each profile update must be a JSON object with `$token` and one operator, got {JsonChecks.KindName(value.ValueKind)}", out error);
        var size = JsonMarshal.GetRawUtf8Value(value).Length;
        if (size > limits.MaxEventBytes)
            return Reject("item", $"profile update is {size} bytes of JSON; the limit is {limits.MaxEventBytes}", out error);

        JsonElement token = default, distinctId = default, groupKey = default, groupId = default;
        JsonElement ignoreTime = default, ip = default, time = default, latitude = default, longitude = default, ignoreAlias = default;
        string? op = null;
        JsonElement opValue = default;
        foreach (var property in value.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            if (name.IndexOf((byte)'\\') >= 0)
            {
                // Rare: compare the unescaped name. Unescaping throws on an unpaired surrogate escape, so refuse those.
                if (JsonChecks.HasUnpairedSurrogateEscape(name))
                    return Reject("item", $"key `{JsonChecks.DisplayName(name)}` contains an unpaired UTF-16 surrogate escape", out error);
                name = Encoding.UTF8.GetBytes(property.Name);
            }
            if (name.IsEmpty || name[0] != (byte)'$') continue;
            if (name.SequenceEqual("$token"u8)) token = property.Value;
            else if (name.SequenceEqual("$distinct_id"u8)) distinctId = property.Value;
            else if (name.SequenceEqual("$group_key"u8)) groupKey = property.Value;
            else if (name.SequenceEqual("$group_id"u8)) groupId = property.Value;
            else if (name.SequenceEqual("$ignore_time"u8)) ignoreTime = property.Value;
            else if (name.SequenceEqual("$ip"u8)) ip = property.Value;
            else if (name.SequenceEqual("$time"u8)) time = property.Value;
            else if (name.SequenceEqual("$latitude"u8)) latitude = property.Value;
            else if (name.SequenceEqual("$longitude"u8)) longitude = property.Value;
            else if (name.SequenceEqual("$ignore_alias"u8)) ignoreAlias = property.Value;
            else if (OperatorName(name) is { } known)
            {
                if (op is not null)
                    return Reject(known, $"has both `{op}` and `{known}`; send one operator per profile update", out error);
                op = known;
                opValue = property.Value;
            }
            else if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                var display = JsonChecks.DisplayName(name);
                return Reject(display, $"unknown operator `{display}`; use one of $set, $set_once, $add, $append, $union, $remove, $unset, $delete", out error);
            }
        }

        if (token.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
            return Reject("$token", "missing `$token` (the project token)", out error);
        var tokenText = token.ValueKind == JsonValueKind.String ? (strings is null ? JsonChecks.TryGetString(token) : strings.Get(token)) : null;
        if (string.IsNullOrEmpty(tokenText) || Encoding.UTF8.GetByteCount(tokenText) > limits.MaxNameBytes)
            return Reject("$token", $"`$token` must be a project token, got {JsonChecks.Display(token)}", out error);

        string? distinctIdText = null, groupKeyText = null, groupIdText = null;
        if (groups)
        {
            if (groupKey.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
                return Reject("$group_key", "missing `$group_key` (the group type, e.g. \"company\")", out error);
            groupKeyText = JsonChecks.TryGetString(groupKey);
            if (groupKeyText is null || !IsGroupKey(groupKeyText, limits))
                return Reject("$group_key", $"`$group_key` must be a property name, got {JsonChecks.Display(groupKey)}", out error);
            if (!TryReadId(groupId, "$group_id", limits, out groupIdText, out var idError)) return Reject("$group_id", idError!, out error);
        }
        else if (!TryReadId(distinctId, "$distinct_id", limits, out distinctIdText, out var idError))
        {
            return Reject("$distinct_id", idError!, out error);
        }

        if (op is null)
        {
            return Reject("item", "no operator; use one of $set, $set_once, $add, $append, $union, $remove, $unset, $delete", out error);
        }
        if (groups && op is "$add" or "$append")
            return Reject(op, $"`{op}` is not supported on group profiles", out error);
        var valueProblem = CheckOperatorValue(op, opValue, limits);
        if (valueProblem is { } problem) return Reject(problem.Field, problem.Message, out error);

        long? timeMs = null;
        if (time.ValueKind != JsonValueKind.Undefined)
        {
            switch (EpochTime.Read(time, out var ms, out var reason))
            {
                case EpochTime.Status.Ok:
                    timeMs = ms;
                    break;
                case EpochTime.Status.Invalid:
                    return Reject("$time", $"`$time` {reason}, got {JsonChecks.Display(time)}", out error);
            }
        }
        string? ipText = null;
        if (ip.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            ipText = ip.ValueKind == JsonValueKind.String ? JsonChecks.TryGetString(ip)?.Trim() : null;
            if (ipText is null || !(ipText is "0" or "1" || (ipText.AsSpan().IndexOfAny('.', ':') >= 0 && IPAddress.TryParse(ipText, out _))))
                return Reject("$ip", $"`$ip` must be an IP address (or \"0\" to skip geolocation), got {JsonChecks.Display(ip)}", out error);
        }
        if (!TryReadCoordinate(latitude, 90, out var lat))
            return Reject("$latitude", $"`$latitude` must be a number from -90 to 90, got {JsonChecks.Display(latitude)}", out error);
        if (!TryReadCoordinate(longitude, 180, out var lon))
            return Reject("$longitude", $"`$longitude` must be a number from -180 to 180, got {JsonChecks.Display(longitude)}", out error);

        error = null;
        operation = new MixpanelProfileOperation
        {
            Index = index,
            Token = tokenText,
            DistinctId = distinctIdText,
            GroupKey = groupKeyText,
            GroupId = groupIdText,
            Operation = op,
            Value = opValue,
            IgnoreTime = IsTruthy(ignoreTime),
            TimeMs = timeMs,
            Ip = ipText,
            Latitude = lat,
            Longitude = lon,
            IgnoreAlias = IsTruthy(ignoreAlias),
        };
        return true;
    }

    private static string? OperatorName(ReadOnlySpan<byte> name) => name switch
    {
        _ when name.SequenceEqual("$set"u8) => "$set",
        _ when name.SequenceEqual("$set_once"u8) => "$set_once",
        _ when name.SequenceEqual("$add"u8) => "$add",
        _ when name.SequenceEqual("$append"u8) => "$append",
        _ when name.SequenceEqual("$union"u8) => "$union",
        _ when name.SequenceEqual("$remove"u8) => "$remove",
        _ when name.SequenceEqual("$unset"u8) => "$unset",
        _ when name.SequenceEqual("$delete"u8) => "$delete",
        _ => null,
    };

    private static bool TryReadId(JsonElement element, string field, WireLimits limits, out string? text, out string? error)
    {
        text = element.ValueKind switch
        {
            JsonValueKind.String => JsonChecks.TryGetString(element),
            JsonValueKind.Number => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element)),
            _ => null,
        };
        error = element.ValueKind switch
        {
            JsonValueKind.Undefined or JsonValueKind.Null => $"missing `{field}`",
            _ when text is null => $"`{field}` must be a string or a number, got {JsonChecks.Display(element)}",
            _ when text.Length == 0 => $"`{field}` is empty",
            _ when Encoding.UTF8.GetByteCount(text) > limits.MaxNameBytes => $"`{field}` is longer than {limits.MaxNameBytes} bytes",
            _ => null,
        };
        return error is null;
    }

    private readonly record struct Problem(string Field, string Message);

    private static Problem? CheckOperatorValue(string op, JsonElement value, WireLimits limits)
    {
        switch (op)
        {
            case "$delete":
                // Mixpanel ignores the value, but it is handed on, so it must be as safe to read as any other.
                return JsonChecks.TryFindValueProblem(value, limits, out var deletePath, out var deleteProblem)
                    ? new(op + deletePath, $"`{op}{deletePath}` {deleteProblem}")
                    : null;
            case "$unset":
                if (value.ValueKind != JsonValueKind.Array)
                    return new(op, $"`$unset` must be a list of property names, got {JsonChecks.Display(value)}");
                var count = value.GetArrayLength();
                if (count > limits.MaxProfileProperties)
                    return new(op, $"`$unset` has {count} names; the limit is {limits.MaxProfileProperties}");
                var i = 0;
                foreach (var entry in value.EnumerateArray())
                {
                    var name = JsonChecks.TryGetString(entry);
                    var reason = name is null ? "must be a property name" : JsonChecks.CheckNameText(name, limits.MaxNameBytes);
                    if (reason is not null) return new($"$unset[{i}]", $"`$unset[{i}]` {reason}, got {JsonChecks.Display(entry)}");
                    i++;
                }
                return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
            return new(op, $"`{op}` must be an object of properties, got {JsonChecks.Display(value)}");
        if (JsonChecks.TryFindProblem(value, limits.MaxProfileProperties, limits, out var path, out var problem))
            return new(op + path, $"`{op}{path}` {problem}");
        if (op is "$add" or "$union")
        {
            foreach (var property in value.EnumerateObject())
            {
                var v = property.Value;
                var ok = op == "$add"
                    ? v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d)
                    : v.ValueKind == JsonValueKind.Array;
                if (!ok)
                {
                    var field = op + "." + JsonChecks.DisplayName(JsonMarshal.GetRawUtf8PropertyName(property));
                    var expected = op == "$add" ? "a number to add" : "a list of values";
                    return new(field, $"`{field}` must be {expected}, got {JsonChecks.Display(v)}");
                }
            }
        }
        return null;
    }

    private static bool TryReadCoordinate(JsonElement element, double bound, out double? value)
    {
        value = null;
        double d;
        switch (element.ValueKind)
        {
            case JsonValueKind.Undefined:
            case JsonValueKind.Null:
                return true;
            case JsonValueKind.Number when element.TryGetDouble(out d):
                break;
            case JsonValueKind.String when double.TryParse(JsonChecks.TryGetString(element), NumberStyles.Float, CultureInfo.InvariantCulture, out d):
                break;
            default:
                return false;
        }
        if (!double.IsFinite(d) || Math.Abs(d) > bound) return false;
        value = d;
        return true;
    }

    // SDKs send booleans; older clients send "true"/1.
    private static bool IsTruthy(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.True => true,
        JsonValueKind.String => JsonChecks.TryGetString(element) is { } s && (s == "1" || s.Equals("true", StringComparison.OrdinalIgnoreCase)),
        JsonValueKind.Number => element.TryGetDouble(out var d) && d != 0,
        _ => false,
    };
}
