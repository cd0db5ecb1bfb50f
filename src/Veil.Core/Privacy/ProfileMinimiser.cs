using System.Buffers;
using System.Text;
using System.Text.Json;
using Veil.Core.Events;

namespace Veil.Core.Privacy;

/// <summary>
/// The privacy pipeline for profile operations: the subject becomes a pseudonym, reserved PII properties never
/// reach the WAL (they belong in the identity vault), URLs are cut like on events.
/// </summary>
public static class ProfileMinimiser
{
    /// <summary>Profile properties that are personal data by definition (Mixpanel's reserved profile properties).</summary>
    public static readonly IReadOnlySet<string> PiiProperties = new HashSet<string>(StringComparer.Ordinal)
    {
        "$email", "$name", "$first_name", "$last_name", "$phone", "$avatar",
    };

    private static readonly HashSet<string> HostOnlyProperties = new(StringComparer.Ordinal)
    {
        "$initial_referrer", "$referrer", "$initial_referring_domain", "$referring_domain",
    };

    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "$ip", "ip", "$carrier", "$model", "$user_agent",
    };

    /// <summary>Runs the pipeline over one profile operation.</summary>
    /// <param name="input">The validated operation.</param>
    /// <param name="project">Its project.</param>
    /// <param name="request">The request it came in.</param>
    /// <param name="vaultItems">Receives PII values the project's policy routes to the identity vault, if any.</param>
    public static ProfileUpdate Minimise(in ProfileInput input, ProjectPrivacy project, RequestContext request, List<Pii.PiiVaultItem>? vaultItems = null)
    {
        return new ProfileUpdate
        {
            ProjectId = project.ProjectId,
            Kind = input.Kind,
            GroupKey = input.GroupKey,
            Subject = input.Kind == ProfileKind.Group
                ? project.PseudonymKey.ComputeGroup(input.GroupKey!, input.SubjectId)
                : project.PseudonymKey.ComputeDistinctId(input.SubjectId),
            Operation = input.Operation,
            ValueJson = MinimiseValue(input.Value, project, vaultItems),
            TimeMs = input.TimeMs,
            IgnoreTime = input.IgnoreTime,
            IgnoreAlias = input.IgnoreAlias,
            IngestedAtMs = request.NowMs,
        };
    }

    private static string MinimiseValue(JsonElement value, ProjectPrivacy project, List<Pii.PiiVaultItem>? vaultItems)
    {
        if (value.ValueKind == JsonValueKind.Array)
        {
            // $unset: a list of property names; names are not personal data.
            return value.GetRawText();
        }
        if (value.ValueKind != JsonValueKind.Object) return "null";
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in value.EnumerateObject())
            {
                if (PiiProperties.Contains(property.Name) || Dropped.Contains(property.Name)) continue;
                if (project.GroupKeys.Count > 0 && project.GroupKeys.Contains(property.Name))
                {
                    // set_group() stores the person's groups on their profile: the same group pseudonyms as in events.
                    EventMinimiser.WriteGroupIds(writer, property.Name, property.Value, project.Pseudonyms);
                    continue;
                }
                if (HostOnlyProperties.Contains(property.Name))
                {
                    var host = UrlMinimiser.HostOnly(EventMinimiser.AsString(property.Value));
                    if (host is not null) writer.WriteString(property.Name, host);
                    continue;
                }
                if (property.Name == "$current_url")
                {
                    var url = UrlMinimiser.Minimise(EventMinimiser.AsString(property.Value));
                    if (url is not null) writer.WriteString(property.Name, url);
                    continue;
                }
                property.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return project.Scrubber is null ? Encoding.UTF8.GetString(buffer.WrittenSpan) : EventMinimiser.Scrub(project.Scrubber, buffer.WrittenMemory, vaultItems);
    }
}
