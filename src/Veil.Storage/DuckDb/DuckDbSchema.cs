using DuckDB.NET.Data;

namespace Veil.Storage.DuckDb;

/// <summary>
/// The store's tables, created and upgraded by numbered migrations. <c>schema_version</c> records the last
/// one applied; each migration runs in its own transaction together with that record.
/// </summary>
internal static class DuckDbSchema
{
    // Append-only: never edit a shipped migration, add the next one. The appenders in DuckDbEventStore
    // write columns in table order, so a migration that adds columns must add them at the end.
    private static readonly string[] Migrations =
    [
        """
        CREATE TABLE events (
            project_id      INTEGER   NOT NULL,
            event           VARCHAR   NOT NULL,
            time            TIMESTAMP NOT NULL,
            insert_id       VARCHAR   NOT NULL,
            dedup_key       UBIGINT   NOT NULL,
            distinct_id     UUID,
            device_id       UUID,
            user_id         UUID,
            session_id      UUID,
            country         VARCHAR,
            region          VARCHAR,
            city            VARCHAR,
            browser         VARCHAR,
            browser_version INTEGER,
            os              VARCHAR,
            os_version      VARCHAR,
            device_type     VARCHAR,
            lib             VARCHAR,
            lib_version     VARCHAR,
            url             VARCHAR,
            referrer_host   VARCHAR,
            screen          VARCHAR,
            properties      JSON      NOT NULL,
            ingested_at     TIMESTAMP NOT NULL
        );
        CREATE TABLE profile_updates (
            project_id  INTEGER   NOT NULL,
            kind        TINYINT   NOT NULL,
            group_key   VARCHAR,
            subject     UUID      NOT NULL,
            operation   VARCHAR   NOT NULL,
            value       JSON      NOT NULL,
            time        TIMESTAMP NOT NULL,
            ignore_time BOOLEAN   NOT NULL,
            ingested_at TIMESTAMP NOT NULL,
            lsn         BIGINT    NOT NULL,
            seq         INTEGER   NOT NULL
        );
        CREATE TABLE wal_state (applied_lsn BIGINT NOT NULL);
        INSERT INTO wal_state VALUES (0);
        """,
        """
        -- Identity map: a distinct id (pseudonym) merged into a person. Only merged ids have a row; an event's
        -- person is coalesce(identity_map.person, events.distinct_id), joined on (project_id, member = distinct_id).
        CREATE TABLE identity_map (
            project_id INTEGER   NOT NULL,
            member     UUID      NOT NULL,
            person     UUID      NOT NULL,
            merged_at  TIMESTAMP NOT NULL,
            lsn        BIGINT    NOT NULL
        );
        -- Current (non-PII) properties of each person, keyed by the person's canonical pseudonym.
        CREATE TABLE profiles (
            project_id  INTEGER   NOT NULL,
            person      UUID      NOT NULL,
            properties  JSON      NOT NULL,
            created_at  TIMESTAMP NOT NULL,
            last_seen   TIMESTAMP,
            updated_lsn BIGINT    NOT NULL
        );
        -- Current properties of each group (e.g. company), keyed by group key and the group id's pseudonym.
        CREATE TABLE group_profiles (
            project_id  INTEGER   NOT NULL,
            group_key   VARCHAR   NOT NULL,
            group_id    UUID      NOT NULL,
            properties  JSON      NOT NULL,
            created_at  TIMESTAMP NOT NULL,
            last_seen   TIMESTAMP,
            updated_lsn BIGINT    NOT NULL
        );
        """,
        """
        -- Members of static cohorts, evaluated once when the cohort was saved: the persons as resolved then; queries
        -- resolve them again through identity_map.
        CREATE TABLE cohort_members (
            project_id INTEGER NOT NULL,
            cohort_id  BIGINT  NOT NULL,
            person     UUID    NOT NULL
        );
        """,
    ];

    /// <summary>The version this build creates and understands.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>Creates or upgrades the schema on <paramref name="connection"/>.</summary>
    /// <exception cref="InvalidOperationException">The file was written by a newer Veil.</exception>
    public static void Migrate(DuckDBConnection connection)
    {
        DuckDbCommands.Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
        var version = ReadVersion(connection);
        if (version > CurrentVersion)
        {
            throw new InvalidOperationException(
                $"The event store has schema version {version}, newer than this build understands ({CurrentVersion}). Upgrade Veil.");
        }
        for (var next = version + 1; next <= CurrentVersion; next++)
        {
            using var transaction = connection.BeginTransaction();
            DuckDbCommands.Execute(connection, Migrations[next - 1]);
            DuckDbCommands.Execute(connection, "DELETE FROM schema_version");
            using (var command = connection.CreateCommand())
            {
                command.CommandText = "INSERT INTO schema_version VALUES ($version)";
                command.Parameters.Add(new DuckDBParameter("version", next));
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    private static int ReadVersion(DuckDBConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT max(version) FROM schema_version";
        return command.ExecuteScalar() is int version ? version : 0;
    }
}
