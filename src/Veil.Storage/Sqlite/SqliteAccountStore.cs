using System.Globalization;
using Microsoft.Data.Sqlite;
using Veil.Storage.Metadata;

namespace Veil.Storage.Sqlite;

/// <summary>
/// Accounts in the metadata SQLite file (its own connection; WAL lets it share the file with
/// <see cref="SqliteMetadataStore"/>). Secrets are stored only as hashes or wrapped by the master key.
/// </summary>
public sealed class SqliteAccountStore : IAccountStore
{
    private const string DefaultLegacyScopes = "import read:aggregate";
    private readonly SqliteConnection _connection;
    private readonly Lock _gate = new();

    private SqliteAccountStore(SqliteConnection connection) => _connection = connection;

    /// <summary>Opens (creating tables if needed) the account tables in the metadata database at <paramref name="path"/>.</summary>
    public static SqliteAccountStore Open(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, DefaultTimeout = 30 }.ToString());
        connection.Open();
        var store = new SqliteAccountStore(connection);
        store.Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA secure_delete=ON; PRAGMA busy_timeout=30000;");
        store.Execute("""
            CREATE TABLE IF NOT EXISTS users (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                password_hash TEXT NOT NULL,
                must_change_password INTEGER NOT NULL,
                created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS memberships (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                project_id INTEGER NOT NULL,
                role TEXT NOT NULL,
                PRIMARY KEY (user_id, project_id));
            CREATE TABLE IF NOT EXISTS sessions (
                id_hash BLOB PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                stage TEXT NOT NULL,
                mfa_level TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_seen_at INTEGER NOT NULL,
                step_up_at INTEGER);
            CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions(user_id);
            CREATE TABLE IF NOT EXISTS totp_factors (
                user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                wrapped_secret BLOB NOT NULL,
                confirmed INTEGER NOT NULL,
                last_step INTEGER NOT NULL,
                created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS recovery_codes (
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                code_hash BLOB NOT NULL,
                PRIMARY KEY (user_id, code_hash));
            CREATE TABLE IF NOT EXISTS passkeys (
                credential_id BLOB PRIMARY KEY,
                user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                public_key BLOB NOT NULL,
                sign_count INTEGER NOT NULL,
                user_handle BLOB NOT NULL,
                name TEXT NOT NULL,
                created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS invitations (
                token_hash BLOB PRIMARY KEY,
                email TEXT NOT NULL,
                project_id INTEGER NOT NULL,
                role TEXT NOT NULL,
                expires_at INTEGER NOT NULL,
                accepted_at INTEGER);
            CREATE TABLE IF NOT EXISTS service_accounts (
                username TEXT PRIMARY KEY,
                secret_hash BLOB NOT NULL,
                project_id INTEGER NOT NULL REFERENCES projects(id),
                created_at INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS suspensions (
                subject TEXT NOT NULL,
                id TEXT NOT NULL,
                reason TEXT NOT NULL,
                suspended_at INTEGER NOT NULL,
                PRIMARY KEY (subject, id));
            CREATE TABLE IF NOT EXISTS guard_resets (
                subject TEXT NOT NULL,
                id TEXT NOT NULL,
                reset_at INTEGER NOT NULL,
                PRIMARY KEY (subject, id));
            """);
        // Service accounts made before scopes existed keep what they could do then: /import and aggregate reads.
        var columns = store.Columns("service_accounts");
        if (!columns.Contains("scopes")) store.Execute($"ALTER TABLE service_accounts ADD COLUMN scopes TEXT NOT NULL DEFAULT '{DefaultLegacyScopes}'");
        if (!columns.Contains("expires_at")) store.Execute("ALTER TABLE service_accounts ADD COLUMN expires_at INTEGER");
        if (!columns.Contains("allowed_ips")) store.Execute("ALTER TABLE service_accounts ADD COLUMN allowed_ips TEXT NOT NULL DEFAULT ''");
        if (!columns.Contains("last_used_at")) store.Execute("ALTER TABLE service_accounts ADD COLUMN last_used_at INTEGER");
        return store;
    }

    public long CountUsers() => Convert.ToInt64(Scalar("SELECT count(*) FROM users"), CultureInfo.InvariantCulture);

    public UserRecord CreateUser(string email, string passwordHash, bool mustChangePassword)
    {
        var created = Now();
        try
        {
            var id = Convert.ToInt64(Scalar("INSERT INTO users (email, password_hash, must_change_password, created_at) VALUES ($e, $h, $m, $c) RETURNING id",
                ("$e", email), ("$h", passwordHash), ("$m", mustChangePassword ? 1 : 0), ("$c", created)), CultureInfo.InvariantCulture);
            return new UserRecord(id, email, passwordHash, mustChangePassword, FromMs(created));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException("A person with this email already exists.", e);
        }
    }

    public UserRecord? FindUser(long id) => QueryUsers("WHERE id = $v", id);

    public UserRecord? FindUserByEmail(string email) => QueryUsers("WHERE email = $v", email);

    public void SetPassword(long userId, string passwordHash, bool mustChangePassword) =>
        NonQuery("UPDATE users SET password_hash = $h, must_change_password = $m WHERE id = $u", ("$h", passwordHash), ("$m", mustChangePassword ? 1 : 0), ("$u", userId));

    public void SetMembership(long userId, int projectId, string role) =>
        NonQuery("INSERT INTO memberships (user_id, project_id, role) VALUES ($u, $p, $r) ON CONFLICT(user_id, project_id) DO UPDATE SET role = excluded.role",
            ("$u", userId), ("$p", projectId), ("$r", role));

    public bool RemoveMembership(long userId, int projectId) =>
        NonQuery("DELETE FROM memberships WHERE user_id = $u AND project_id = $p", ("$u", userId), ("$p", projectId)) > 0;

    public IReadOnlyList<MembershipRecord> ListMemberships(long userId) =>
        Query("SELECT user_id, project_id, role FROM memberships WHERE user_id = $u ORDER BY project_id", r => new MembershipRecord(r.GetInt64(0), r.GetInt32(1), r.GetString(2)), ("$u", userId));

    public IReadOnlyList<MembershipRecord> ListMembers(int projectId) =>
        Query("SELECT user_id, project_id, role FROM memberships WHERE project_id = $p ORDER BY user_id", r => new MembershipRecord(r.GetInt64(0), r.GetInt32(1), r.GetString(2)), ("$p", projectId));

    public void CreateSession(SessionRecord session) =>
        NonQuery("INSERT INTO sessions (id_hash, user_id, stage, mfa_level, created_at, last_seen_at, step_up_at) VALUES ($i, $u, $s, $m, $c, $l, $t)",
            ("$i", session.IdHash), ("$u", session.UserId), ("$s", session.Stage), ("$m", session.MfaLevel), ("$c", session.CreatedAt.ToUnixTimeMilliseconds()),
            ("$l", session.LastSeenAt.ToUnixTimeMilliseconds()), ("$t", session.StepUpAt?.ToUnixTimeMilliseconds()));

    public SessionRecord? FindSession(byte[] idHash) =>
        Query("SELECT id_hash, user_id, stage, mfa_level, created_at, last_seen_at, step_up_at FROM sessions WHERE id_hash = $i",
            r => new SessionRecord((byte[])r[0], r.GetInt64(1), r.GetString(2), r.GetString(3), FromMs(r.GetInt64(4)), FromMs(r.GetInt64(5)), r.IsDBNull(6) ? null : FromMs(r.GetInt64(6))),
            ("$i", idHash)).FirstOrDefault();

    public void UpdateSession(SessionRecord session) =>
        NonQuery("UPDATE sessions SET stage = $s, mfa_level = $m, last_seen_at = $l, step_up_at = $t WHERE id_hash = $i",
            ("$i", session.IdHash), ("$s", session.Stage), ("$m", session.MfaLevel), ("$l", session.LastSeenAt.ToUnixTimeMilliseconds()), ("$t", session.StepUpAt?.ToUnixTimeMilliseconds()));

    public bool DeleteSession(byte[] idHash) => NonQuery("DELETE FROM sessions WHERE id_hash = $i", ("$i", idHash)) > 0;

    public int DeleteExpiredSessions(DateTimeOffset lastSeenBefore, DateTimeOffset createdBefore) =>
        NonQuery("DELETE FROM sessions WHERE last_seen_at < $l OR created_at < $c", ("$l", lastSeenBefore.ToUnixTimeMilliseconds()), ("$c", createdBefore.ToUnixTimeMilliseconds()));

    public int DeleteSessions(long userId) => NonQuery("DELETE FROM sessions WHERE user_id = $u", ("$u", userId));

    public void PutTotpFactor(TotpFactorRecord factor) =>
        NonQuery("""
            INSERT INTO totp_factors (user_id, wrapped_secret, confirmed, last_step, created_at) VALUES ($u, $w, $c, $l, $t)
            ON CONFLICT(user_id) DO UPDATE SET wrapped_secret = excluded.wrapped_secret, confirmed = excluded.confirmed, last_step = excluded.last_step, created_at = excluded.created_at
            """, ("$u", factor.UserId), ("$w", factor.WrappedSecret), ("$c", factor.Confirmed ? 1 : 0), ("$l", factor.LastStep), ("$t", factor.CreatedAt.ToUnixTimeMilliseconds()));

    public TotpFactorRecord? FindTotpFactor(long userId) =>
        Query("SELECT user_id, wrapped_secret, confirmed, last_step, created_at FROM totp_factors WHERE user_id = $u",
            r => new TotpFactorRecord(r.GetInt64(0), (byte[])r[1], r.GetInt64(2) != 0, r.GetInt64(3), FromMs(r.GetInt64(4))), ("$u", userId)).FirstOrDefault();

    public void ConfirmTotpFactor(long userId, long step) =>
        NonQuery("UPDATE totp_factors SET confirmed = 1, last_step = max(last_step, $s) WHERE user_id = $u", ("$u", userId), ("$s", step));

    public bool AdvanceTotpStep(long userId, long step) =>
        NonQuery("UPDATE totp_factors SET last_step = $s WHERE user_id = $u AND last_step < $s", ("$u", userId), ("$s", step)) > 0;

    public void DeleteTotpFactor(long userId) => NonQuery("DELETE FROM totp_factors WHERE user_id = $u", ("$u", userId));

    public void ReplaceRecoveryCodes(long userId, IReadOnlyList<byte[]> codeHashes)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            Run(transaction, "DELETE FROM recovery_codes WHERE user_id = $u", ("$u", userId));
            foreach (var hash in codeHashes) Run(transaction, "INSERT OR IGNORE INTO recovery_codes (user_id, code_hash) VALUES ($u, $h)", ("$u", userId), ("$h", hash));
            transaction.Commit();
        }
    }

    public bool ConsumeRecoveryCode(long userId, byte[] codeHash) =>
        NonQuery("DELETE FROM recovery_codes WHERE user_id = $u AND code_hash = $h", ("$u", userId), ("$h", codeHash)) > 0;

    public int CountRecoveryCodes(long userId) =>
        Convert.ToInt32(Scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $u", ("$u", userId)), CultureInfo.InvariantCulture);

    public void AddPasskey(PasskeyRecord passkey) =>
        NonQuery("INSERT INTO passkeys (credential_id, user_id, public_key, sign_count, user_handle, name, created_at) VALUES ($i, $u, $k, $n, $h, $m, $c)",
            ("$i", passkey.CredentialId), ("$u", passkey.UserId), ("$k", passkey.PublicKey), ("$n", (long)passkey.SignCount), ("$h", passkey.UserHandle),
            ("$m", passkey.Name), ("$c", passkey.CreatedAt.ToUnixTimeMilliseconds()));

    public PasskeyRecord? FindPasskey(byte[] credentialId) =>
        QueryPasskeys("WHERE credential_id = $v", credentialId).FirstOrDefault();

    public IReadOnlyList<PasskeyRecord> ListPasskeys(long userId) => QueryPasskeys("WHERE user_id = $v", userId);

    public void UpdatePasskeyCounter(byte[] credentialId, uint signCount) =>
        NonQuery("UPDATE passkeys SET sign_count = $n WHERE credential_id = $i", ("$i", credentialId), ("$n", (long)signCount));

    public void CreateInvitation(InvitationRecord invitation) =>
        NonQuery("INSERT INTO invitations (token_hash, email, project_id, role, expires_at, accepted_at) VALUES ($t, $e, $p, $r, $x, NULL)",
            ("$t", invitation.TokenHash), ("$e", invitation.Email), ("$p", invitation.ProjectId), ("$r", invitation.Role), ("$x", invitation.ExpiresAt.ToUnixTimeMilliseconds()));

    public InvitationRecord? FindInvitation(byte[] tokenHash) =>
        Query("SELECT token_hash, email, project_id, role, expires_at, accepted_at FROM invitations WHERE token_hash = $t",
            r => new InvitationRecord((byte[])r[0], r.GetString(1), r.GetInt32(2), r.GetString(3), FromMs(r.GetInt64(4)), r.IsDBNull(5) ? null : FromMs(r.GetInt64(5))),
            ("$t", tokenHash)).FirstOrDefault();

    public bool AcceptInvitation(byte[] tokenHash, DateTimeOffset at) =>
        NonQuery("UPDATE invitations SET accepted_at = $a WHERE token_hash = $t AND accepted_at IS NULL", ("$t", tokenHash), ("$a", at.ToUnixTimeMilliseconds())) > 0;

    public void CreateServiceAccount(ScopedServiceAccountRecord account)
    {
        try
        {
            NonQuery("""
                INSERT INTO service_accounts (username, secret_hash, project_id, created_at, scopes, expires_at, allowed_ips, last_used_at)
                VALUES ($u, $s, $p, $c, $sc, $x, $ip, NULL)
                """, ("$u", account.Username), ("$s", account.SecretHash), ("$p", account.ProjectId), ("$c", account.CreatedAt.ToUnixTimeMilliseconds()),
                ("$sc", string.Join(' ', account.Scopes)), ("$x", account.ExpiresAt?.ToUnixTimeMilliseconds()), ("$ip", string.Join(' ', account.AllowedIps)));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 19)
        {
            throw new InvalidOperationException($"Service account '{account.Username}' already exists, or project {account.ProjectId} does not.", e);
        }
    }

    public ScopedServiceAccountRecord? FindScopedServiceAccount(string username) => QueryServiceAccounts("WHERE username = $v", username).FirstOrDefault();

    public IReadOnlyList<ScopedServiceAccountRecord> ListServiceAccounts(int projectId) => QueryServiceAccounts("WHERE project_id = $v ORDER BY username", projectId);

    public bool DeleteServiceAccount(int projectId, string username) =>
        NonQuery("DELETE FROM service_accounts WHERE project_id = $p AND username = $u", ("$p", projectId), ("$u", username)) > 0;

    public void TouchServiceAccount(string username, DateTimeOffset at) =>
        NonQuery("UPDATE service_accounts SET last_used_at = $a WHERE username = $u", ("$u", username), ("$a", at.ToUnixTimeMilliseconds()));

    public void PutSuspension(SuspensionRecord suspension) =>
        NonQuery("INSERT INTO suspensions (subject, id, reason, suspended_at) VALUES ($s, $i, $r, $a) ON CONFLICT(subject, id) DO UPDATE SET reason = excluded.reason, suspended_at = excluded.suspended_at",
            ("$s", suspension.Subject), ("$i", suspension.Id), ("$r", suspension.Reason), ("$a", suspension.At.ToUnixTimeMilliseconds()));

    public SuspensionRecord? FindSuspension(string subject, string id) =>
        QuerySuspensions("WHERE subject = $s AND id = $i", ("$s", subject), ("$i", id)).FirstOrDefault();

    public bool DeleteSuspension(string subject, string id) =>
        NonQuery("DELETE FROM suspensions WHERE subject = $s AND id = $i", ("$s", subject), ("$i", id)) > 0;

    public IReadOnlyList<SuspensionRecord> ListSuspensions() => QuerySuspensions("ORDER BY suspended_at, subject, id");

    public void PutGuardReset(string subject, string id, DateTimeOffset at) =>
        NonQuery("INSERT INTO guard_resets (subject, id, reset_at) VALUES ($s, $i, $a) ON CONFLICT(subject, id) DO UPDATE SET reset_at = excluded.reset_at",
            ("$s", subject), ("$i", id), ("$a", at.ToUnixTimeMilliseconds()));

    public IReadOnlyList<(string Subject, string Id, DateTimeOffset At)> ListGuardResets() =>
        Query("SELECT subject, id, reset_at FROM guard_resets ORDER BY subject, id", r => (r.GetString(0), r.GetString(1), FromMs(r.GetInt64(2))));

    public void Dispose() => _connection.Dispose();

    private List<SuspensionRecord> QuerySuspensions(string clause, params (string Name, object? Value)[] parameters) =>
        Query("SELECT subject, id, reason, suspended_at FROM suspensions " + clause, r => new SuspensionRecord(r.GetString(0), r.GetString(1), r.GetString(2), FromMs(r.GetInt64(3))), parameters);

    private UserRecord? QueryUsers(string clause, object value) =>
        Query("SELECT id, email, password_hash, must_change_password, created_at FROM users " + clause,
            r => new UserRecord(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetInt64(3) != 0, FromMs(r.GetInt64(4))), ("$v", value)).FirstOrDefault();

    private List<PasskeyRecord> QueryPasskeys(string clause, object value) =>
        Query("SELECT credential_id, user_id, public_key, sign_count, user_handle, name, created_at FROM passkeys " + clause,
            r => new PasskeyRecord((byte[])r[0], r.GetInt64(1), (byte[])r[2], (uint)r.GetInt64(3), (byte[])r[4], r.GetString(5), FromMs(r.GetInt64(6))), ("$v", value));

    private List<ScopedServiceAccountRecord> QueryServiceAccounts(string clause, object value) =>
        Query("SELECT username, secret_hash, project_id, scopes, expires_at, allowed_ips, last_used_at, created_at FROM service_accounts " + clause,
            r => new ScopedServiceAccountRecord(r.GetString(0), (byte[])r[1], r.GetInt32(2), Words(r.GetString(3)), r.IsDBNull(4) ? null : FromMs(r.GetInt64(4)),
                Words(r.GetString(5)), r.IsDBNull(6) ? null : FromMs(r.GetInt64(6)), FromMs(r.GetInt64(7))), ("$v", value));

    private static string[] Words(string text) => text.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private HashSet<string> Columns(string table) =>
        [.. Query($"SELECT name FROM pragma_table_info('{table}')", r => r.GetString(0))];

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using var command = Command(null, sql, parameters);
            using var reader = command.ExecuteReader();
            var rows = new List<T>();
            while (reader.Read()) rows.Add(map(reader));
            return rows;
        }
    }

    private object? Scalar(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using var command = Command(null, sql, parameters);
            return command.ExecuteScalar();
        }
    }

    private int NonQuery(string sql, params (string Name, object? Value)[] parameters)
    {
        lock (_gate)
        {
            using var command = Command(null, sql, parameters);
            return command.ExecuteNonQuery();
        }
    }

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        using var command = Command(transaction, sql, parameters);
        command.ExecuteNonQuery();
    }

    private SqliteCommand Command(SqliteTransaction? transaction, string sql, (string Name, object? Value)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
