using Microsoft.Data.Sqlite;
using Veil.Storage.Metadata;

namespace Veil.Storage.Sqlite;

/// <summary>The metadata store in one SQLite file (WAL journal, synchronous=FULL: metadata writes are rare and must survive a crash).</summary>
public sealed class SqliteMetadataStore : IMetadataStore
{
    private const int SchemaVersion = 1;
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteMetadataStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating if needed) the metadata database at <paramref name="path"/>.</summary>
    public static SqliteMetadataStore Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        var store = new SqliteMetadataStore(connection);
        // secure_delete: deleted vault rows are overwritten with zeros, so an erased person's wrapped key is really gone.
        store.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON;");
        store.Execute("""
            CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS projects (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                name TEXT NOT NULL,
                token TEXT NOT NULL UNIQUE,
                secret_hash BLOB NOT NULL,
                wrapped_pseudonym_key BLOB NOT NULL,
                wrapped_kek BLOB NOT NULL,
                created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS vault (
                project_id INTEGER NOT NULL REFERENCES projects(id),
                subject BLOB NOT NULL,
                wrapped_data_key BLOB NOT NULL,
                ciphertext BLOB NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (project_id, subject));
            CREATE TABLE IF NOT EXISTS pii_hits (
                project_id INTEGER NOT NULL,
                property TEXT NOT NULL,
                detector TEXT NOT NULL,
                count INTEGER NOT NULL,
                PRIMARY KEY (project_id, property, detector));
            CREATE TABLE IF NOT EXISTS service_accounts (
                username TEXT PRIMARY KEY,
                secret_hash BLOB NOT NULL,
                project_id INTEGER NOT NULL REFERENCES projects(id),
                created_at INTEGER NOT NULL);
            """);
        if (store.GetSetting("schema_version") is null) store.SetSetting("schema_version", SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return store;
    }

    public ProjectRecord CreateProject(string name, string token, byte[] secretHash, byte[] wrappedPseudonymKey, byte[] wrappedKeyEncryptionKey)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO projects (name, token, secret_hash, wrapped_pseudonym_key, wrapped_kek, created_at)
                VALUES ($name, $token, $secret, $pk, $kek, $created) RETURNING id;
                """;
            var created = DateTimeOffset.UtcNow;
            command.Parameters.AddWithValue("$name", name);
            command.Parameters.AddWithValue("$token", token);
            command.Parameters.AddWithValue("$secret", secretHash);
            command.Parameters.AddWithValue("$pk", wrappedPseudonymKey);
            command.Parameters.AddWithValue("$kek", wrappedKeyEncryptionKey);
            command.Parameters.AddWithValue("$created", created.ToUnixTimeMilliseconds());
            try
            {
                var id = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
                return new ProjectRecord(id, name, token, secretHash, wrappedPseudonymKey, wrappedKeyEncryptionKey, DateTimeOffset.FromUnixTimeMilliseconds(created.ToUnixTimeMilliseconds()));
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new InvalidOperationException($"A project with token '{token}' already exists.", e);
            }
        }
    }

    public ProjectRecord? FindProject(int id) => QueryProjects("WHERE id = $v", id).FirstOrDefault();

    public ProjectRecord? FindProjectByToken(string token) => QueryProjects("WHERE token = $v", token).FirstOrDefault();

    public IReadOnlyList<ProjectRecord> ListProjects() => QueryProjects("ORDER BY id", null);

    public void UpdateWrappedKeys(int projectId, byte[] wrappedPseudonymKey, byte[] wrappedKeyEncryptionKey)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE projects SET wrapped_pseudonym_key = $pk, wrapped_kek = $kek WHERE id = $id";
            command.Parameters.AddWithValue("$pk", wrappedPseudonymKey);
            command.Parameters.AddWithValue("$kek", wrappedKeyEncryptionKey);
            command.Parameters.AddWithValue("$id", projectId);
            command.ExecuteNonQuery();
        }
    }

    public void CreateServiceAccount(string username, byte[] secretHash, int projectId)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO service_accounts (username, secret_hash, project_id, created_at) VALUES ($u, $s, $p, $c)";
            command.Parameters.AddWithValue("$u", username);
            command.Parameters.AddWithValue("$s", secretHash);
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$c", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            try
            {
                command.ExecuteNonQuery();
            }
            catch (SqliteException e) when (e.SqliteErrorCode == 19)
            {
                throw new InvalidOperationException($"Service account '{username}' already exists, or project {projectId} does not.", e);
            }
        }
    }

    public ServiceAccountRecord? FindServiceAccount(string username)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT username, secret_hash, project_id, created_at FROM service_accounts WHERE username = $u";
            command.Parameters.AddWithValue("$u", username);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            return new ServiceAccountRecord(reader.GetString(0), (byte[])reader[1], reader.GetInt32(2), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)));
        }
    }

    public VaultRecord? FindVaultRecord(int projectId, byte[] subject)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT wrapped_data_key, ciphertext, updated_at FROM vault WHERE project_id = $p AND subject = $s";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$s", subject);
            using var reader = command.ExecuteReader();
            if (!reader.Read()) return null;
            return new VaultRecord(projectId, subject, (byte[])reader[0], (byte[])reader[1], DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)));
        }
    }

    public void PutVaultRecord(VaultRecord record)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = """
                INSERT INTO vault (project_id, subject, wrapped_data_key, ciphertext, updated_at) VALUES ($p, $s, $k, $c, $u)
                ON CONFLICT(project_id, subject) DO UPDATE SET wrapped_data_key = excluded.wrapped_data_key, ciphertext = excluded.ciphertext, updated_at = excluded.updated_at
                """;
            command.Parameters.AddWithValue("$p", record.ProjectId);
            command.Parameters.AddWithValue("$s", record.Subject);
            command.Parameters.AddWithValue("$k", record.WrappedDataKey);
            command.Parameters.AddWithValue("$c", record.Ciphertext);
            command.Parameters.AddWithValue("$u", record.UpdatedAt.ToUnixTimeMilliseconds());
            command.ExecuteNonQuery();
        }
    }

    public bool DeleteVaultRecord(int projectId, byte[] subject)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM vault WHERE project_id = $p AND subject = $s";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$s", subject);
            var deleted = command.ExecuteNonQuery() > 0;
            // Crypto-shredding only works if the deleted pages are really gone, not left in free pages or the journal.
            Execute("PRAGMA wal_checkpoint(TRUNCATE);");
            return deleted;
        }
    }

    public long CountVaultRecords(int projectId)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM vault WHERE project_id = $p";
            command.Parameters.AddWithValue("$p", projectId);
            return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    public void AddPiiHits(IEnumerable<(int ProjectId, string Property, string Detector, long Count)> deltas)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = """
                INSERT INTO pii_hits (project_id, property, detector, count) VALUES ($p, $n, $d, $c)
                ON CONFLICT(project_id, property, detector) DO UPDATE SET count = count + excluded.count
                """;
            var p = command.Parameters.Add("$p", SqliteType.Integer);
            var n = command.Parameters.Add("$n", SqliteType.Text);
            var d = command.Parameters.Add("$d", SqliteType.Text);
            var c = command.Parameters.Add("$c", SqliteType.Integer);
            foreach (var delta in deltas)
            {
                p.Value = delta.ProjectId;
                n.Value = delta.Property;
                d.Value = delta.Detector;
                c.Value = delta.Count;
                command.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    public IReadOnlyList<(int ProjectId, string Property, string Detector, long Count)> LoadPiiHits()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT project_id, property, detector, count FROM pii_hits";
            using var reader = command.ExecuteReader();
            var hits = new List<(int, string, string, long)>();
            while (reader.Read()) hits.Add((reader.GetInt32(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3)));
            return hits;
        }
    }

    public string? GetSetting(string name)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT value FROM settings WHERE name = $n";
            command.Parameters.AddWithValue("$n", name);
            return command.ExecuteScalar() as string;
        }
    }

    public void SetSetting(string name, string value)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "INSERT INTO settings (name, value) VALUES ($n, $v) ON CONFLICT(name) DO UPDATE SET value = excluded.value";
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$v", value);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose() => _connection.Dispose();

    private List<ProjectRecord> QueryProjects(string clause, object? value)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, name, token, secret_hash, wrapped_pseudonym_key, wrapped_kek, created_at FROM projects " + clause;
            if (value is not null) command.Parameters.AddWithValue("$v", value);
            using var reader = command.ExecuteReader();
            var result = new List<ProjectRecord>();
            while (reader.Read())
            {
                result.Add(new ProjectRecord(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), (byte[])reader[3], (byte[])reader[4], (byte[])reader[5],
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
            }
            return result;
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    // Cohorts
    public CohortRecord CreateCohort(int projectId, string name, string definitionJson)
    {
        lock (_gate)
        {
            EnsureCohortTable();
            using var command = _connection.CreateCommand();
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            command.CommandText = "INSERT INTO cohorts (project_id, name, definition, created_at, updated_at) VALUES ($p, $n, $d, $t, $t) RETURNING id";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$d", definitionJson);
            command.Parameters.AddWithValue("$t", now);
            var id = Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
            var at = DateTimeOffset.FromUnixTimeMilliseconds(now);
            return new CohortRecord(id, projectId, name, definitionJson, at, at);
        }
    }

    public CohortRecord? FindCohort(int projectId, long id) => QueryCohorts(projectId, id).FirstOrDefault();

    public IReadOnlyList<CohortRecord> ListCohorts(int projectId) => QueryCohorts(projectId, null);

    public bool UpdateCohort(int projectId, long id, string name, string definitionJson)
    {
        lock (_gate)
        {
            EnsureCohortTable();
            using var command = _connection.CreateCommand();
            command.CommandText = "UPDATE cohorts SET name = $n, definition = $d, updated_at = $t WHERE project_id = $p AND id = $id";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$n", name);
            command.Parameters.AddWithValue("$d", definitionJson);
            command.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            return command.ExecuteNonQuery() == 1;
        }
    }

    public bool DeleteCohort(int projectId, long id)
    {
        lock (_gate)
        {
            EnsureCohortTable();
            using var command = _connection.CreateCommand();
            command.CommandText = "DELETE FROM cohorts WHERE project_id = $p AND id = $id";
            command.Parameters.AddWithValue("$p", projectId);
            command.Parameters.AddWithValue("$id", id);
            return command.ExecuteNonQuery() == 1;
        }
    }

    private List<CohortRecord> QueryCohorts(int projectId, long? id)
    {
        lock (_gate)
        {
            EnsureCohortTable();
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT id, project_id, name, definition, created_at, updated_at FROM cohorts WHERE project_id = $p"
                + (id is null ? " ORDER BY id" : " AND id = $id");
            command.Parameters.AddWithValue("$p", projectId);
            if (id is { } value) command.Parameters.AddWithValue("$id", value);
            using var reader = command.ExecuteReader();
            var result = new List<CohortRecord>();
            while (reader.Read())
            {
                result.Add(new CohortRecord(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5))));
            }
            return result;
        }
    }

    // Created on first use so the cohort code stays in this one block of the file.
    private void EnsureCohortTable()
    {
        if (_cohortTableReady) return;
        Execute("""
            CREATE TABLE IF NOT EXISTS cohorts (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                project_id INTEGER NOT NULL REFERENCES projects(id),
                name TEXT NOT NULL,
                definition TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL);
            CREATE INDEX IF NOT EXISTS cohorts_project ON cohorts (project_id);
            """);
        _cohortTableReady = true;
    }

    private bool _cohortTableReady;
}
