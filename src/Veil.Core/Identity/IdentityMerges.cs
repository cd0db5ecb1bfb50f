using System.Text.Json;
using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Core.Identity;

/// <summary>Reads the identity merges an accepted event asks for.</summary>
public static class IdentityMerges
{
    /// <summary>
    /// The merges a named identity event asks for: <c>$identify</c> (<c>$anon_distinct_id</c> → distinct id, or
    /// <c>$anon_id</c> → <c>$identified_id</c>); <c>$create_alias</c> (<c>alias</c> → distinct id); <c>$merge</c>
    /// (<c>$distinct_ids</c>: two ids). Empty for any other event; the device-and-user merge of simplified ID merge is
    /// read from the event's columns by <see cref="IdentityGraph.Apply(StoredEvent)"/>. Identifiers in properties are
    /// already pseudonyms (see <see cref="EventMinimiser"/>).
    /// </summary>
    public static IReadOnlyList<IdentityMerge> Of(StoredEvent stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        if (!IsIdentityEvent(stored.Name)) return [];
        var merges = new List<IdentityMerge>(1);

        using var document = JsonDocument.Parse(stored.PropertiesJson);
        var props = document.RootElement;
        switch (stored.Name)
        {
            case "$identify":
                if (Id(props, "$anon_distinct_id") is { } anon && stored.DistinctId is { } identified)
                    merges.Add(new IdentityMerge(IdentityMergeKind.Identify, anon, identified));
                else if (Id(props, "$anon_id") is { } anonId && (Id(props, "$identified_id") ?? stored.DistinctId) is { } target)
                    merges.Add(new IdentityMerge(IdentityMergeKind.Identify, anonId, target));
                break;
            case "$create_alias":
                if (Id(props, "alias") is { } alias && stored.DistinctId is { } aliased)
                    merges.Add(new IdentityMerge(IdentityMergeKind.Alias, alias, aliased));
                break;
            case "$merge":
                if (props.TryGetProperty("$distinct_ids", out var ids) && ids.ValueKind == JsonValueKind.Array && ids.GetArrayLength() == 2
                    && Pseudonym.TryParse(ids[0].ValueKind == JsonValueKind.String ? ids[0].GetString() : null, out var first)
                    && Pseudonym.TryParse(ids[1].ValueKind == JsonValueKind.String ? ids[1].GetString() : null, out var second))
                    merges.Add(new IdentityMerge(IdentityMergeKind.Merge, first, second));
                break;
        }
        return merges;
    }

    /// <summary>True for the events that ask for a merge by name: <c>$identify</c>, <c>$create_alias</c>, <c>$merge</c>.</summary>
    public static bool IsIdentityEvent(string name) => name is "$identify" or "$create_alias" or "$merge";

    private static Pseudonym? Id(JsonElement props, string name) =>
        props.ValueKind == JsonValueKind.Object && props.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
        && Pseudonym.TryParse(value.GetString(), out var id)
            ? id
            : null;
}
