using Veil.Security.Ledger;

namespace Veil.Security.Tests.Ledger;

/// <summary>
/// The index is written without fsync, so after a reboot it is checked, and a damaged one is rebuilt from the log.
/// </summary>
public sealed class LedgerIndexRecoveryTests
{
    private static async Task<long> WriteLedgerAsync(string directory, int entries)
    {
        await using var ledger = AccessLedger.Open(directory, LedgerTestData.Key(), new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero });
        for (var i = 0; i < entries; i++) await ledger.AppendAsync(LedgerTestData.Read(i, credential: $"cred-{i % 3}"));
        await ledger.Index!.FlushAsync();
        return ledger.Size;
    }

    private static IncidentReport Report(string directory) =>
        IncidentReporter.BuildFromDirectory(directory, new IncidentQuery { Credential = "cred-1" }, DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("damaged pages")]
    [InlineData("not a database")]
    public async Task A_damaged_index_found_after_a_reboot_is_rebuilt_from_the_log(string damage)
    {
        using var dir = new TempDirectory();
        var size = await WriteLedgerAsync(dir.Path, 3000);
        var expected = Report(dir.Path);
        Assert.Equal(1000, expected.Accesses);

        var path = LedgerPaths.Index(dir.Path);
        var bytes = File.ReadAllBytes(path);
        if (damage == "damaged pages") new Random(7).NextBytes(bytes.AsSpan(bytes.Length / 3, bytes.Length / 3));
        else new Random(7).NextBytes(bytes.AsSpan(0, 100));
        File.WriteAllBytes(path, bytes);

        var previous = LedgerIndex.BootId;
        LedgerIndex.BootId = () => "another-boot";
        try
        {
            await using var ledger = AccessLedger.Open(dir.Path, LedgerTestData.Key(), new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero });
            Assert.Equal(size, ledger.Index!.IndexedCount);
            var report = await ledger.ReportAsync(new IncidentQuery { Credential = "cred-1" });
            Assert.Equal(expected.Accesses, report.Accesses);
            Assert.Equal(expected.Persons, report.Persons);
        }
        finally
        {
            LedgerIndex.BootId = previous;
        }
    }
}
