using Veil.Core.Privacy;
using Veil.Security.Guard;
using Veil.Security.Ledger;
using Veil.Security.Tests.Ledger;

namespace Veil.Security.Tests.Guard;

public sealed class ExfiltrationGuardTests
{
    private static SubjectSet Persons(int from, int count) => SubjectSet.Of(Enumerable.Range(from, count).Select(i => new Pseudonym((UInt128)i)));

    private static (ExfiltrationGuard Guard, BannerGuardAlertSink Banner, ManualTime Time) Make(GuardOptions? options = null)
    {
        var banner = new BannerGuardAlertSink();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
        return (new ExfiltrationGuard(options ?? new GuardOptions { Credential = new Budget(100, 300, 10_000) }, banner, time: time), banner, time);
    }

    [Fact]
    public void CrossingTheHourlyBudgetDeniesSuspendsAndAlerts()
    {
        var (guard, banner, time) = Make();
        Assert.True(guard.Check("alice", "key-1", Persons(0, 60), 60).Allowed);
        time.Advance(TimeSpan.FromMinutes(10));
        Assert.True(guard.Check("alice", "key-1", Persons(30, 60), 60).Allowed); // 90 distinct: persons seen again count once

        var denied = guard.Check("alice", "key-1", Persons(90, 20), 20);   // 110 > 100
        Assert.False(denied.Allowed);
        Assert.Contains("110 distinct persons in the last hour", denied.Reason);
        Assert.True(guard.IsSuspended(GuardSubject.Credential, "key-1"));
        var alert = Assert.Single(banner.Active);
        Assert.Equal(GuardAlertKind.BudgetExceeded, alert.Kind);
        Assert.Equal("key-1", alert.Id);

        // Suspended even for a harmless aggregate, and even after the hour has passed, until an owner re-enables it.
        time.Advance(TimeSpan.FromHours(3));
        Assert.False(guard.Check("alice", "key-1", SubjectSet.Empty, 1).Allowed);
        Assert.True(guard.Check("alice", "key-2", Persons(0, 5), 5).Allowed);
        guard.Reenable(GuardSubject.Credential, "key-1");
        Assert.True(guard.Check("alice", "key-1", Persons(0, 5), 5).Allowed);
    }

    [Fact]
    public async Task BudgetsAreRebuiltFromTheLastDayOfTheLedgerAfterARestartExceptBeforeAReenable()
    {
        using var dir = new TempDirectory();
        var time = new ManualTime(new DateTimeOffset(2026, 11, 2, 8, 0, 0, TimeSpan.Zero));
        var options = new GuardOptions { Credential = new Budget(100, 150, 10_000), Principal = new Budget(10_000, 10_000, 1_000_000) };
        var suspensions = new InMemorySuspensionStore(time);
        var ledgerOptions = new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero };
        AccessRecord Read(SubjectSet persons) => LedgerTestData.Read(0, credential: "key-1", principal: "alice") with { Subjects = persons, Rows = persons.Count };

        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), ledgerOptions, time))
        {
            var guard = new ExfiltrationGuard(options, new BannerGuardAlertSink(), suspensions, time);
            await LedgeredRead.RecordAsync(ledger, guard, Read(Persons(0, 60)));   // more than a day before the restart
            time.Advance(TimeSpan.FromHours(25));
            await LedgeredRead.RecordAsync(ledger, guard, Read(Persons(100, 60))); // within the day and the hour
        }

        // "Restart": a fresh guard over the reopened ledger.
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), ledgerOptions, time))
        {
            var guard = new ExfiltrationGuard(options, new BannerGuardAlertSink(), suspensions, time);
            var served = ledger.EntriesSince(time.GetUtcNow() - TimeSpan.FromDays(1));
            Assert.Single(served);
            guard.Restore(served);
            // The day holds 60 persons (not 120: the first read has aged out), so 40 more fit the day's 150 ...
            Assert.True(guard.Check("alice", "key-1", Persons(300, 40), 40).Allowed);
            // ... but the hour already holds 100: the restart did not hand the credential a fresh hour.
            var denied = guard.Check("alice", "key-1", Persons(400, 1), 1);
            Assert.False(denied.Allowed);
            Assert.Contains("101 distinct persons in the last hour", denied.Reason);

            time.Advance(TimeSpan.FromMinutes(5));
            guard.Reenable(GuardSubject.Credential, "key-1");
            time.Advance(TimeSpan.FromMinutes(5));
        }

        // After the owner's re-enable and another restart, the reads before it no longer count for the credential.
        await using (var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), ledgerOptions, time))
        {
            var guard = new ExfiltrationGuard(options, new BannerGuardAlertSink(), suspensions, time);
            guard.Restore(ledger.EntriesSince(time.GetUtcNow() - TimeSpan.FromDays(1)));
            Assert.True(guard.Check("alice", "key-1", Persons(500, 100), 100).Allowed);
            Assert.False(guard.Check("alice", "key-1", Persons(600, 1), 1).Allowed);
        }
    }

    [Fact]
    public void TheDailyAndRowBudgetsHoldAcrossHours()
    {
        var (guard, _, time) = Make();
        for (var hour = 0; hour < 3; hour++)
        {
            Assert.True(guard.Check("bob", "key-b", Persons(hour * 100, 100), 100).Allowed);
            time.Advance(TimeSpan.FromMinutes(61));
        }
        var denied = guard.Check("bob", "key-b", Persons(1000, 1), 1);
        Assert.False(denied.Allowed);
        Assert.Contains("last 24 hours", denied.Reason);

        var (rows, _, _) = Make();
        Assert.True(rows.Check("carol", "key-c", SubjectSet.Empty, 9_000).Allowed); // aggregates expose no one but still count rows
        Assert.False(rows.Check("carol", "key-c", SubjectSet.Empty, 2_000).Allowed);
    }

    [Fact]
    public void APrincipalBudgetSpansItsCredentials()
    {
        var (guard, banner, _) = Make(new GuardOptions { Principal = new Budget(150, 1_000, 100_000) });
        Assert.True(guard.Check("dave", "session-1", Persons(0, 100), 100).Allowed);
        Assert.False(guard.Check("dave", "session-2", Persons(100, 100), 100).Allowed);
        Assert.True(guard.IsSuspended(GuardSubject.Principal, "dave"));
        Assert.False(guard.IsSuspended(GuardSubject.Credential, "session-2"));
        Assert.Equal(GuardSubject.Principal, Assert.Single(banner.Active).Subject);
    }

    [Fact]
    public void ASpikeAgainstThePrincipalsHistoryAlertsUnderBudget()
    {
        var (guard, banner, time) = Make(new GuardOptions());
        var next = 0;
        for (var hour = 0; hour < 10; hour++)
        {
            Assert.True(guard.Check("erin", "key-e", Persons(next, 12), 12).Allowed);
            next += 12;
            time.Advance(TimeSpan.FromHours(1));
        }
        Assert.Empty(banner.Active);
        Assert.True(guard.Check("erin", "key-e", Persons(next, 400), 400).Allowed); // far above her usual ~12, far under 1,000
        var spike = Assert.Single(banner.Active);
        Assert.Equal(GuardAlertKind.Spike, spike.Kind);
        Assert.Equal("erin", spike.Id);
        Assert.False(guard.IsSuspended(GuardSubject.Principal, "erin"));
        Assert.True(guard.Check("erin", "key-e", Persons(next + 400, 10), 10).Allowed); // one alert per hour
        Assert.Single(banner.Active);
    }

    [Fact]
    public async Task ADeniedReadIsNeitherReturnedNorRecorded()
    {
        using var dir = new TempDirectory();
        var store = FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out var hashes);
        await using var ledger = new AccessLedger(store, hashes);
        var (guard, banner, _) = Make();
        var (answer, entry) = await LedgeredRead.RunAsync(ledger, guard, _ => Task.FromResult(("50 profiles", LedgerTestData.Read(0, credential: "key-x", subjects: 50))));
        Assert.Equal("50 profiles", answer);
        Assert.Equal(0, entry.Index);
        await Assert.ThrowsAsync<GuardDeniedException>(() => LedgeredRead.RunAsync(ledger, guard, _ => Task.FromResult(("60 more", LedgerTestData.Read(20, credential: "key-x", subjects: 60)))));
        Assert.Equal(1, ledger.Size);
        Assert.Single(banner.Active);
    }
}
