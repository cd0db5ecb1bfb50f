using System.Text.Json;
using Veil.Core.Privacy.Pii;

namespace Veil.Privacy;

/// <summary>
/// A project's PII policy as JSON, the form the API takes and the metadata store keeps:
/// <c>{"detectors":{"Email":"pseudonymise"},"properties":{"note":"drop"},"allow":["support_email"]}</c>.
/// Actions: redact (default), pseudonymise, drop, vault, allow.
/// </summary>
public static class PiiPolicyDocument
{
    /// <summary>Parses and validates a policy; the error names the offending entry.</summary>
    public static bool TryParse(string json, out PiiPolicy policy, out string? error)
    {
        policy = PiiPolicy.Default;
        error = null;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            error = "the policy is not valid JSON: " + e.Message;
            return false;
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "the policy must be a JSON object with optional `detectors`, `properties` and `allow`";
                return false;
            }
            var detectors = new Dictionary<PiiDetector, PiiPolicyAction>();
            var properties = new Dictionary<string, PiiPolicyAction>(StringComparer.OrdinalIgnoreCase);
            var allow = new List<string>();
            foreach (var member in root.EnumerateObject())
            {
                switch (member.Name)
                {
                    case "detectors":
                        if (!ReadActions(member.Value, "detectors", out var byDetector, out error)) return false;
                        foreach (var (name, action) in byDetector)
                        {
                            if (!Enum.TryParse<PiiDetector>(name, ignoreCase: true, out var detector) || !Enum.IsDefined(detector) || int.TryParse(name, out _))
                            {
                                error = $"unknown detector `{name}`; use one of {string.Join(", ", Enum.GetNames<PiiDetector>())}";
                                return false;
                            }
                            detectors[detector] = action;
                        }
                        break;
                    case "properties":
                        if (!ReadActions(member.Value, "properties", out var byProperty, out error)) return false;
                        foreach (var (name, action) in byProperty) properties[name] = action;
                        break;
                    case "allow":
                        if (member.Value.ValueKind != JsonValueKind.Array || member.Value.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.String))
                        {
                            error = "`allow` must be an array of property names";
                            return false;
                        }
                        allow.AddRange(member.Value.EnumerateArray().Select(v => v.GetString()!));
                        break;
                    default:
                        error = $"unknown policy field `{member.Name}`; use `detectors`, `properties` and `allow`";
                        return false;
                }
            }
            policy = new PiiPolicy(detectors, properties, allow);
            return true;
        }
    }

    private static bool ReadActions(JsonElement value, string field, out List<(string Name, PiiPolicyAction Action)> actions, out string? error)
    {
        actions = [];
        error = null;
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = $"`{field}` must be an object mapping names to actions";
            return false;
        }
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String
                || !Enum.TryParse<PiiPolicyAction>(entry.Value.GetString(), ignoreCase: true, out var action)
                || int.TryParse(entry.Value.GetString(), out _))
            {
                error = $"`{field}.{entry.Name}`: the action must be one of redact, pseudonymise, drop, vault, allow";
                return false;
            }
            actions.Add((entry.Name, action));
        }
        return true;
    }
}
