using Veil.Core.Privacy;

namespace Veil.Core.Events;

/// <summary>Whose profile a <see cref="ProfileUpdate"/> changes.</summary>
public enum ProfileKind : byte
{
    User = 0,
    Group = 1,
}

/// <summary>
/// One profile operation (<c>$set</c>, <c>$set_once</c>, <c>$add</c>, <c>$append</c>, <c>$union</c>,
/// <c>$remove</c>, <c>$unset</c>, <c>$delete</c>) after the privacy pipeline.
/// </summary>
public sealed class ProfileUpdate
{
    public int ProjectId { get; set; }
    public ProfileKind Kind { get; set; }
    /// <summary>For group profiles, the group key (e.g. <c>company</c>); null for users.</summary>
    public string? GroupKey { get; set; }
    /// <summary>Pseudonym of the user's distinct id, or of the group id.</summary>
    public Pseudonym Subject { get; set; }
    /// <summary>The operator, e.g. <c>$set</c>.</summary>
    public string Operation { get; set; } = "";
    /// <summary>The operator's value as JSON (an object for most operators, an array for <c>$unset</c>).</summary>
    public string ValueJson { get; set; } = "{}";
    public long TimeMs { get; set; }
    public bool IgnoreTime { get; set; }

    /// <summary><c>$ignore_alias</c>: apply to the profile of exactly this id, not the person it is merged into.</summary>
    public bool IgnoreAlias { get; set; }
    public long IngestedAtMs { get; set; }
}
