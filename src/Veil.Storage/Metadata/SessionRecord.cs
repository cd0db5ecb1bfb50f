namespace Veil.Storage.Metadata;

/// <summary>
/// A signed-in session. Only a hash of the session id is stored, so a copy of the metadata file holds no usable session.
/// <paramref name="Stage"/> says what the session may reach yet (password change, MFA enrolment, MFA verification, full).
/// </summary>
public sealed record SessionRecord(
    byte[] IdHash,
    long UserId,
    string Stage,
    string MfaLevel,
    DateTimeOffset CreatedAt,
    DateTimeOffset LastSeenAt,
    DateTimeOffset? StepUpAt);
