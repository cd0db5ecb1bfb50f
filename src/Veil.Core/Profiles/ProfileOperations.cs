using System.Text.Json;
using System.Text.Json.Nodes;

namespace Veil.Core.Profiles;

/// <summary>
/// Mixpanel's profile operators applied to a profile's properties, in arrival order:
/// <c>$set</c> overwrites; <c>$set_once</c> sets only absent properties; <c>$add</c> adds a number (absent counts as 0,
/// a non-number is left alone); <c>$append</c> pushes a value onto a list (creating it; a non-list is left alone);
/// <c>$union</c> adds the values a list lacks (creating it); <c>$remove</c> drops every equal value from a list;
/// <c>$unset</c> removes the named properties; <c>$delete</c> removes the profile.
/// </summary>
/// <remarks>
/// Operators that only take things away (<c>$unset</c>, <c>$remove</c>, <c>$delete</c>) never create a profile.
/// Values arrive validated by the wire layer (e.g. <c>$add</c> values are numbers); anything else is ignored, not thrown.
/// </remarks>
public static class ProfileOperations
{
    /// <summary>Every operator, in the order Mixpanel documents them.</summary>
    public static readonly IReadOnlyList<string> Operators = ["$set", "$set_once", "$add", "$append", "$union", "$remove", "$unset", "$delete"];

    /// <summary>
    /// Applies <paramref name="operation"/> with its JSON <paramref name="valueJson"/> to <paramref name="profile"/>
    /// (null: no profile yet). Returns the profile afterwards (the same object, changed in place, or a new one), or null
    /// when there is none (deleted, or never created).
    /// </summary>
    public static JsonObject? Apply(JsonObject? profile, string operation, string valueJson)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation == "$delete") return null;
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(valueJson);
        }
        catch (JsonException)
        {
            return profile;
        }
        if (operation == "$unset")
        {
            if (profile is null || value is not JsonArray names) return profile;
            foreach (var name in names)
            {
                if (name is JsonValue v && v.TryGetValue<string>(out var text)) profile.Remove(text);
            }
            return profile;
        }
        if (value is not JsonObject pairs) return profile;
        if (operation == "$remove")
        {
            if (profile is null) return null;
            foreach (var (name, item) in pairs)
            {
                if (profile[name] is JsonArray list) RemoveAll(list, item);
            }
            return profile;
        }

        var target = profile ?? [];
        var changed = false;
        foreach (var (name, item) in pairs)
        {
            switch (operation)
            {
                case "$set":
                    target[name] = item?.DeepClone();
                    changed = true;
                    break;
                case "$set_once":
                    if (!target.ContainsKey(name))
                    {
                        target[name] = item?.DeepClone();
                        changed = true;
                    }
                    break;
                case "$add":
                    if (AsNumber(item) is not { } delta) break;
                    if (!target.TryGetPropertyValue(name, out var current) || current is null)
                    {
                        target[name] = JsonValue.Create(delta);
                        changed = true;
                    }
                    else if (AsNumber(current) is { } number)
                    {
                        target[name] = JsonValue.Create(number + delta);
                        changed = true;
                    }
                    break;
                case "$append":
                    if (!target.TryGetPropertyValue(name, out var existing) || existing is null)
                    {
                        target[name] = new JsonArray(item?.DeepClone());
                        changed = true;
                    }
                    else if (existing is JsonArray list)
                    {
                        list.Add(item?.DeepClone());
                        changed = true;
                    }
                    break;
                case "$union":
                    if (item is not JsonArray additions) break;
                    if (!target.TryGetPropertyValue(name, out var old) || old is null)
                    {
                        var created = new JsonArray();
                        AddMissing(created, additions);
                        target[name] = created;
                        changed = true;
                    }
                    else if (old is JsonArray set)
                    {
                        AddMissing(set, additions);
                        changed = true;
                    }
                    break;
            }
        }
        return profile ?? (changed ? target : null);
    }

    private static double? AsNumber(JsonNode? node) =>
        node is JsonValue value && value.GetValueKind() == JsonValueKind.Number ? value.GetValue<double>() : null;

    private static void AddMissing(JsonArray list, JsonArray additions)
    {
        foreach (var item in additions)
        {
            if (!Contains(list, item)) list.Add(item?.DeepClone());
        }
    }

    private static bool Contains(JsonArray list, JsonNode? item)
    {
        foreach (var existing in list)
        {
            if (JsonNode.DeepEquals(existing, item)) return true;
        }
        return false;
    }

    private static void RemoveAll(JsonArray list, JsonNode? item)
    {
        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (JsonNode.DeepEquals(list[i], item)) list.RemoveAt(i);
        }
    }
}
