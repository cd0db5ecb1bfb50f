using Veil.Core.Privacy;
using Veil.Security.Accounts;
using Veil.Security.Passwords;
using Veil.Storage.Sqlite;

namespace Veil.Security.Tests;

/// <summary>An account service on a real SQLite file in a temp dir, with a controllable clock and cheap Argon2 (tests only).</summary>
public sealed class TestAccounts : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "veil-acct-" + Guid.NewGuid().ToString("N")[..12]);

    public TestAccounts()
    {
        Directory.CreateDirectory(_directory);
        Store = SqliteAccountStore.Open(Path.Combine(_directory, "meta.db"));
        Service = new AccountService(Store, MasterKey.Parse(MasterKey.GenerateText()), new AccountOptions { PasswordCost = Argon2idCost.InsecureForTestsOnly }, Clock);
    }

    public ManualClock Clock { get; } = new(new DateTimeOffset(2026, 11, 29, 12, 0, 0, TimeSpan.Zero));
    public SqliteAccountStore Store { get; }
    public AccountService Service { get; }

    public void Dispose()
    {
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
