namespace Veil.Storage.Metadata;

/// <summary>
/// People, memberships, sessions, MFA factors, invitations and scoped service accounts. Kept apart from
/// <see cref="IMetadataStore"/> (same SQLite file by default) so a PostgreSQL implementation can follow.
/// </summary>
public interface IAccountStore : IDisposable
{
    long CountUsers();
    /// <summary>Creates a person. Fails with <see cref="InvalidOperationException"/> if the email is taken.</summary>
    UserRecord CreateUser(string email, string passwordHash, bool mustChangePassword);
    UserRecord? FindUser(long id);
    /// <summary>Finds a person by email (case-insensitive).</summary>
    UserRecord? FindUserByEmail(string email);
    void SetPassword(long userId, string passwordHash, bool mustChangePassword);

    /// <summary>Creates or replaces a person's role in a project.</summary>
    void SetMembership(long userId, int projectId, string role);
    bool RemoveMembership(long userId, int projectId);
    IReadOnlyList<MembershipRecord> ListMemberships(long userId);
    IReadOnlyList<MembershipRecord> ListMembers(int projectId);

    void CreateSession(SessionRecord session);
    SessionRecord? FindSession(byte[] idHash);
    void UpdateSession(SessionRecord session);
    bool DeleteSession(byte[] idHash);
    /// <summary>Deletes sessions idle since before <paramref name="lastSeenBefore"/> or created before <paramref name="createdBefore"/>.</summary>
    int DeleteExpiredSessions(DateTimeOffset lastSeenBefore, DateTimeOffset createdBefore);
    /// <summary>Deletes every session of a person (sign-out everywhere); returns how many.</summary>
    int DeleteSessions(long userId);

    /// <summary>Creates or replaces a person's (unconfirmed) TOTP factor.</summary>
    void PutTotpFactor(TotpFactorRecord factor);
    TotpFactorRecord? FindTotpFactor(long userId);
    /// <summary>Marks the factor confirmed and records <paramref name="step"/> as used.</summary>
    void ConfirmTotpFactor(long userId, long step);
    /// <summary>Records <paramref name="step"/> as used if it is later than the last used one; false means a replay.</summary>
    bool AdvanceTotpStep(long userId, long step);
    void DeleteTotpFactor(long userId);

    /// <summary>Replaces a person's recovery codes (hashes only).</summary>
    void ReplaceRecoveryCodes(long userId, IReadOnlyList<byte[]> codeHashes);
    /// <summary>Uses up one recovery code; false if it does not exist or was used.</summary>
    bool ConsumeRecoveryCode(long userId, byte[] codeHash);
    int CountRecoveryCodes(long userId);

    void AddPasskey(PasskeyRecord passkey);
    PasskeyRecord? FindPasskey(byte[] credentialId);
    IReadOnlyList<PasskeyRecord> ListPasskeys(long userId);
    void UpdatePasskeyCounter(byte[] credentialId, uint signCount);

    void CreateInvitation(InvitationRecord invitation);
    InvitationRecord? FindInvitation(byte[] tokenHash);
    /// <summary>Marks an invitation used; false if it already was (an invitation works once).</summary>
    bool AcceptInvitation(byte[] tokenHash, DateTimeOffset at);

    /// <summary>Creates a scoped service account. Fails with <see cref="InvalidOperationException"/> if the name is taken.</summary>
    void CreateServiceAccount(ScopedServiceAccountRecord account);
    ScopedServiceAccountRecord? FindScopedServiceAccount(string username);
    IReadOnlyList<ScopedServiceAccountRecord> ListServiceAccounts(int projectId);
    bool DeleteServiceAccount(int projectId, string username);
    void TouchServiceAccount(string username, DateTimeOffset at);

    /// <summary>Records a suspension (replacing an earlier one of the same subject and id).</summary>
    void PutSuspension(SuspensionRecord suspension);
    SuspensionRecord? FindSuspension(string subject, string id);
    /// <summary>Lifts a suspension; false if there was none.</summary>
    bool DeleteSuspension(string subject, string id);
    IReadOnlyList<SuspensionRecord> ListSuspensions();

    /// <summary>
    /// Records that an owner re-enabled <paramref name="id"/> at <paramref name="at"/>: the exfiltration guard's budgets
    /// start afresh then, also when they are rebuilt from the access ledger after a restart.
    /// </summary>
    void PutGuardReset(string subject, string id, DateTimeOffset at);
    IReadOnlyList<(string Subject, string Id, DateTimeOffset At)> ListGuardResets();
}
