using System.Net;
using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

public sealed class NotificationListTests
{
    private static AccessRecord Owner(TimeSpan? stepUp) => new()
    {
        Principal = "owner-1",
        Credential = "session-9",
        MfaLevel = "webauthn",
        StepUpAge = stepUp,
        ClientIp = IPAddress.Parse("10.9.9.9"),
        Action = "incident.contacts",
    };

    [Fact]
    public async Task ContactsNeedAStepUpAndTheLookupIsLedgeredBeforeItIsReturned()
    {
        using var dir = new TempDirectory();
        var store = new FaultInjectingLedgerStore(FileLedgerStore.Open(LedgerPaths.Log(dir.Path), out var hashes));
        await using var ledger = new AccessLedger(store, hashes, index: LedgerIndex.Open(LedgerPaths.Index(dir.Path)));
        for (var i = 0; i < 4; i++) await ledger.AppendAsync(LedgerTestData.Read(i, credential: "leaked", subjects: 2));
        var report = await ledger.ReportAsync(new IncidentQuery { Credential = "leaked" });
        Assert.Equal(8, report.Persons);
        ValueTask<string?> Vault(int? project, Veil.Core.Privacy.Pseudonym person, CancellationToken _) => ValueTask.FromResult<string?>($"person-{person}@example.test");

        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => NotificationList.BuildAsync(ledger, report, Owner(null), TimeSpan.FromMinutes(10), Vault));
        await Assert.ThrowsAsync<UnauthorizedAccessException>(() => NotificationList.BuildAsync(ledger, report, Owner(TimeSpan.FromHours(2)), TimeSpan.FromMinutes(10), Vault));

        store.FailAppends = true;
        await Assert.ThrowsAsync<LedgerAppendException>(() => NotificationList.BuildAsync(ledger, report, Owner(TimeSpan.FromMinutes(1)), TimeSpan.FromMinutes(10), Vault));
        store.FailAppends = false;

        var contacts = await NotificationList.BuildAsync(ledger, report, Owner(TimeSpan.FromMinutes(1)), TimeSpan.FromMinutes(10), Vault);
        Assert.Equal(8, contacts.Count);
        var entry = ledger.ReadEntry(ledger.Size - 1);
        Assert.Equal("incident.contacts", entry.Record.Action);
        Assert.Equal(DataClassification.VaultPii, Assert.Single(entry.Record.Fields).Classification);
        Assert.Equal(8, entry.Record.Subjects.Count);
        Assert.DoesNotContain("@", LedgerEntryCodec.ToText(ledger.Store.Read(entry.Index).Entry)); // the ledger holds pseudonyms, never the emails
    }
}
