namespace Veil.Storage.Metadata;

/// <summary>A person's role in one project (owner, admin, analyst, viewer or auditor).</summary>
public sealed record MembershipRecord(long UserId, int ProjectId, string Role);
