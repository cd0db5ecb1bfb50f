using Veil.Security.Access;
using Veil.Security.Guard;
using Veil.Security.Tests.Ledger;
using Veil.Storage.Metadata;
using Veil.Storage.Sqlite;

namespace Veil.Security.Tests;

public sealed class AccountStoreTests
{
    [Fact]
    public void Service_accounts_made_before_scopes_keep_import_and_aggregate_reads()
    {
        using var temp = new TempDirectory();
        var directory = temp.Path;
        var path = Path.Combine(directory, "meta.db");
        using (var metadata = SqliteMetadataStore.Open(path))
        {
            var project = metadata.CreateProject("legacy", "legacy-token", new byte[32], new byte[8], new byte[8]);
            metadata.CreateServiceAccount("old-etl", new byte[32], project.Id);
        }
        using var metadataAgain = SqliteMetadataStore.Open(path);
        using var accounts = SqliteAccountStore.Open(path);
        var legacy = accounts.FindScopedServiceAccount("old-etl");
        Assert.NotNull(legacy);
        Assert.Equal(CredentialScopes.Import | CredentialScopes.ReadAggregate, ScopeNames.ParseStored(legacy.Scopes));
        Assert.Null(legacy.ExpiresAt);
        Assert.Empty(legacy.AllowedIps);
        // The old interface still creates accounts, with the same defaults.
        metadataAgain.CreateServiceAccount("old-etl-2", new byte[32], legacy.ProjectId);
        Assert.Equal(["import", "read:aggregate"], accounts.FindScopedServiceAccount("old-etl-2")!.Scopes);
        accounts.CreateServiceAccount(new ScopedServiceAccountRecord("scoped", new byte[32], legacy.ProjectId, ["export"], DateTimeOffset.UnixEpoch.AddYears(60), ["10.0.0.0/8"], null, DateTimeOffset.UtcNow));
        var scoped = accounts.FindScopedServiceAccount("scoped")!;
        Assert.Equal(["export"], scoped.Scopes);
        Assert.Equal(["10.0.0.0/8"], scoped.AllowedIps);
        Assert.Equal(3, accounts.ListServiceAccounts(legacy.ProjectId).Count);
        Assert.Throws<InvalidOperationException>(() => accounts.CreateServiceAccount(scoped));
    }

    [Fact]
    public void Emails_are_unique_regardless_of_case_and_sessions_are_stored_by_hash_only()
    {
        using var temp = new TempDirectory();
        var directory = temp.Path;
        using var accounts = SqliteAccountStore.Open(Path.Combine(directory, "meta.db"));
        var person = accounts.CreateUser("a.person@example.com", "$argon2id$…", false);
        Assert.Throws<InvalidOperationException>(() => accounts.CreateUser("A.Person@Example.com", "$argon2id$…", false));
        Assert.Equal(person.Id, accounts.FindUserByEmail("A.PERSON@example.com")!.Id);
        var token = Accounts.SessionTokens.New();
        var now = DateTimeOffset.UtcNow;
        accounts.CreateSession(new SessionRecord(Accounts.SessionTokens.Hash(token), person.Id, "Full", "Totp", now, now, null));
        Assert.NotNull(accounts.FindSession(Accounts.SessionTokens.Hash(token)));
        var file = File.ReadAllBytes(Path.Combine(directory, "meta.db")).Concat(File.Exists(Path.Combine(directory, "meta.db-wal")) ? File.ReadAllBytes(Path.Combine(directory, "meta.db-wal")) : []).ToArray();
        Assert.Equal(-1, file.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(token)));
    }

    [Fact]
    public void Suspensions_and_their_lifts_survive_a_reopen()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "meta.db");
        var time = new ManualTime(new DateTimeOffset(2026, 11, 29, 9, 0, 0, TimeSpan.Zero));
        using (var accounts = SqliteAccountStore.Open(path))
        {
            var store = new AccountSuspensionStore(accounts, time);
            store.Suspend(GuardSubject.Credential, "key-1", "over budget");
            store.Suspend(GuardSubject.Principal, "alice", "over budget");
            time.Advance(TimeSpan.FromMinutes(3));
            store.Lift(GuardSubject.Credential, "key-1");
            Assert.Equal(time.GetUtcNow(), store.LastLifted(GuardSubject.Credential, "key-1"));
        }
        using (var accounts = SqliteAccountStore.Open(path))
        {
            var store = new AccountSuspensionStore(accounts, time);
            Assert.False(store.IsSuspended(GuardSubject.Credential, "key-1"));
            Assert.True(store.IsSuspended(GuardSubject.Principal, "alice"));
            Assert.Equal(new DateTimeOffset(2026, 11, 29, 9, 3, 0, TimeSpan.Zero), store.LastLifted(GuardSubject.Credential, "key-1"));
            Assert.Null(store.LastLifted(GuardSubject.Principal, "alice"));
            Assert.Null(store.LastLifted(GuardSubject.Principal, "key-1")); // a credential's lift is not its namesake principal's
        }
    }
}
