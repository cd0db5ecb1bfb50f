namespace Veil.Storage.Metadata;

/// <summary>
/// Projects, credentials and settings. SQLite in the data directory by default; kept behind this interface so a
/// PostgreSQL implementation can serve several nodes.
/// </summary>
public interface IMetadataStore : IDisposable
{
    /// <summary>Creates a project. Fails with <see cref="InvalidOperationException"/> if the token is taken.</summary>
    ProjectRecord CreateProject(string name, string token, byte[] secretHash, byte[] wrappedPseudonymKey, byte[] wrappedKeyEncryptionKey);
    ProjectRecord? FindProject(int id);
    ProjectRecord? FindProjectByToken(string token);
    IReadOnlyList<ProjectRecord> ListProjects();
    /// <summary>Replaces a project's wrapped keys (master key rotation).</summary>
    void UpdateWrappedKeys(int projectId, byte[] wrappedPseudonymKey, byte[] wrappedKeyEncryptionKey);

    void CreateServiceAccount(string username, byte[] secretHash, int projectId);
    ServiceAccountRecord? FindServiceAccount(string username);

    /// <summary>The vault entry of one subject (16-byte pseudonym), or null.</summary>
    VaultRecord? FindVaultRecord(int projectId, byte[] subject);
    /// <summary>Creates or replaces a subject's vault entry (durably, before the request that changed it is acknowledged).</summary>
    void PutVaultRecord(VaultRecord record);
    /// <summary>Deletes a subject's vault entry, and with it the only copy of its wrapped data key (crypto-shredding).</summary>
    bool DeleteVaultRecord(int projectId, byte[] subject);
    /// <summary>Number of vault entries of a project.</summary>
    long CountVaultRecords(int projectId);

    /// <summary>Adds PII detection counts (names and counts only, never values) to the persisted totals.</summary>
    void AddPiiHits(IEnumerable<(int ProjectId, string Property, string Detector, long Count)> deltas);
    /// <summary>The persisted PII detection totals.</summary>
    IReadOnlyList<(int ProjectId, string Property, string Detector, long Count)> LoadPiiHits();

    /// <summary>A small named setting (e.g. the master key fingerprint); null if unset.</summary>
    string? GetSetting(string name);
    void SetSetting(string name, string value);

    // Cohorts
    /// <summary>Saves a new cohort of a project.</summary>
    CohortRecord CreateCohort(int projectId, string name, string definitionJson);
    CohortRecord? FindCohort(int projectId, long id);
    IReadOnlyList<CohortRecord> ListCohorts(int projectId);
    /// <summary>Replaces a cohort's name and definition; false when there is no such cohort.</summary>
    bool UpdateCohort(int projectId, long id, string name, string definitionJson);
    bool DeleteCohort(int projectId, long id);
}
