using Veil.Core.Privacy.Pii;
using Veil.Storage;

namespace Veil.Privacy;

/// <summary>
/// The data inventory of a project: every column and every property name seen, with its classification and the
/// treatment the privacy pipeline applied — what a team can publish to its users.
/// </summary>
public static class DataInventory
{
    private static readonly (string Name, string Classification, string Treatment)[] EventColumns =
    [
        ("event", "event name", "kept as sent"),
        ("time", "timestamp", "kept (ms)"),
        ("insert_id", "technical id", "client's $insert_id or a random one; used for deduplication"),
        ("distinct_id", "pseudonym", "HMAC-SHA256 of the identifier under the project key, 128 bits"),
        ("device_id", "pseudonym", "HMAC-SHA256 of $device_id"),
        ("user_id", "pseudonym", "HMAC-SHA256 of $user_id"),
        ("session_id", "pseudonym", "HMAC-SHA256 of $session_id"),
        ("country", "coarse context (geo)", "from the IP address, which is then dropped"),
        ("region", "coarse context (geo)", "from the IP address, which is then dropped"),
        ("city", "coarse context (geo)", "only when the project allows city; otherwise never stored"),
        ("browser", "coarse context (device)", "family only"),
        ("browser_version", "coarse context (device)", "major version only"),
        ("os", "coarse context (device)", "family only"),
        ("os_version", "coarse context (device)", "major version only"),
        ("device_type", "coarse context (device)", "desktop / mobile / tablet"),
        ("lib", "coarse context (device)", "SDK name"),
        ("lib_version", "coarse context (device)", "SDK version"),
        ("screen", "coarse context (device)", "rounded down to 100 px"),
        ("url", "coarse context (page)", "scheme, host and path; query (except utm_*) and fragment dropped"),
        ("referrer_host", "coarse context (page)", "referrer's host only"),
        ("properties", "free properties", "PII-scanned: names and values, nested too; hits redacted by default"),
        ("ingested_at", "timestamp", "arrival time"),
    ];

    private static readonly HashSet<string> PseudonymProperties = new(StringComparer.Ordinal)
    {
        "$anon_distinct_id", "$distinct_id_before_identity", "alias", "$identified_id", "$anon_id", "$distinct_ids",
    };

    /// <summary>Builds the inventory from what the store holds and what the scanner has counted since start.</summary>
    public static List<InventoryEntry> Build(int projectId, IEventStore store, long vaultEntries, IReadOnlyList<PiiHitCount> hits, IReadOnlyCollection<string>? groupKeys = null)
    {
        var projectHits = hits.Where(h => h.ProjectId == projectId).ToList();
        long Detections(string property) => projectHits
            .Where(h => h.PropertyName == property || h.PropertyName.StartsWith(property + ".", StringComparison.Ordinal) || h.PropertyName.StartsWith(property + "[", StringComparison.Ordinal))
            .Sum(h => h.Count);

        var entries = new List<InventoryEntry>();
        var total = store.CountEvents(projectId);
        foreach (var (name, classification, treatment) in EventColumns)
        {
            entries.Add(new InventoryEntry("events column", name, classification, treatment, total, name == "properties" ? projectHits.Sum(h => h.Count) : 0));
        }
        foreach (var property in store.DescribeProperties(projectId))
        {
            var (classification, treatment) = property.Name switch
            {
                _ when PseudonymProperties.Contains(property.Name) => ("pseudonym", "HMAC-SHA256 of the identifier"),
                _ when groupKeys?.Contains(property.Name) == true => ("pseudonym (group id)", "HMAC-SHA256 of the group key and id"),
                "$initial_referrer" or "$initial_referring_domain" => ("coarse context (page)", "host only"),
                _ => ("free property", "PII-scanned; hits redacted"),
            };
            entries.Add(new InventoryEntry("event property", property.Name, classification, treatment, property.Events, Detections(property.Name)));
        }
        foreach (var name in Core.Privacy.ProfileMinimiser.PiiProperties.Order(StringComparer.Ordinal))
        {
            entries.Add(new InventoryEntry("identity vault", name, "vault PII", "encrypted per person (AES-256-GCM, own data key); erasing the person destroys the key", null, 0));
        }
        entries.Add(new InventoryEntry("identity vault", "(entries)", "vault PII", $"{vaultEntries} people have vault entries", vaultEntries, 0));
        entries.Add(new InventoryEntry("profile updates", "value", "free properties", "reserved PII removed to the vault; the rest PII-scanned", null, 0));
        entries.Add(new InventoryEntry("identity map", "member, person", "pseudonym", "which pseudonymous ids are one person (ID merge)", null, 0));
        entries.Add(new InventoryEntry("profiles", "properties", "free properties", "current profile of people and groups: the profile updates applied; no vault PII", null, 0));
        entries.Add(new InventoryEntry("never stored", "IP address, user-agent string, URL query strings, click ids, search keywords, carrier, device model",
            "dropped at ingestion", "used only to derive the coarse context above, then discarded", null, 0));
        return entries;
    }
}
