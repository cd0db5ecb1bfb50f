namespace Veil.Core.Privacy;

/// <summary>What the privacy pipeline needs to know about one project.</summary>
public sealed class ProjectPrivacy(int projectId, PseudonymKey pseudonymKey)
{
    public int ProjectId { get; } = projectId;
    public PseudonymKey PseudonymKey { get; } = pseudonymKey;
    /// <summary>
    /// Memoised pseudonyms under <see cref="PseudonymKey"/> (the pipeline's identifiers repeat on every event of a
    /// session). Bound to this instance's key, so it can never answer for another key.
    /// </summary>
    public PseudonymCache Pseudonyms { get; } = new(pseudonymKey);
    /// <summary>Whether city-level geo may be kept (country and region always are).</summary>
    public bool AllowCity { get; init; }
    /// <summary>Scans free properties for PII and applies the project's policy; null scans nothing (tests of other steps).</summary>
    public Pii.PiiJsonScrubber? Scrubber { get; init; }

    /// <summary>
    /// Group keys (e.g. <c>company</c>): event properties with these names hold group ids, which are pseudonymised
    /// like <see cref="PseudonymKey.ComputeGroup"/> so events join their group profiles.
    /// </summary>
    public IReadOnlySet<string> GroupKeys { get; init; } = new HashSet<string>();
}
