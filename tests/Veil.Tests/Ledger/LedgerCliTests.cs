using System.Net;
using System.Text.Json;
using Veil.Core.Privacy;
using Veil.Security.Ledger;
using Veil.Tests.Http;

namespace Veil.Tests.Ledger;

/// <summary>`veil ledger` and `veil incident` as an operator runs them after an incident.</summary>
[Collection("processes")]
public sealed class LedgerCliTests
{
    [Fact]
    public async Task Checkpoint_verify_tamper_and_incident_report()
    {
        var root = Directory.CreateTempSubdirectory("veil-ledger-cli-").FullName;
        try
        {
            var data = Path.Combine(root, "data");
            var keyFile = Path.Combine(root, "master.key");
            var keyText = MasterKey.GenerateText();
            await File.WriteAllTextAsync(keyFile, keyText);
            await using (var ledger = AccessLedger.Open(data, MasterKey.Parse(keyText), new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero }))
            {
                for (var i = 0; i < 25; i++)
                {
                    await ledger.AppendAsync(new AccessRecord
                    {
                        Principal = "acct-" + (i % 2),
                        Credential = "key-" + (i % 2),
                        ClientIp = IPAddress.Parse("192.0.2." + (i % 2 + 1)),
                        Action = "profile.view",
                        Project = 1,
                        Fields = [new LedgerField("distinct_id", DataClassification.Pseudonymous)],
                        Rows = 1,
                        Subjects = SubjectSet.Of([new Pseudonym((UInt128)(i / 2))]),
                    });
                }
            }

            var exported = Path.Combine(root, "exported.note");
            var (exit, output) = await VeilProcess.RunCliAsync(root, "ledger", "checkpoint", "--data", data, "--key-file", keyFile, "--out", exported);
            Assert.True(exit == 0, output);
            Assert.Contains("\n25\n", await File.ReadAllTextAsync(exported), StringComparison.Ordinal);

            (exit, output) = await VeilProcess.RunCliAsync(root, "ledger", "verify", "--data", data, "--key-file", keyFile, "--checkpoint", exported, "--json");
            Assert.True(exit == 0, output);
            Assert.Contains("\"ok\":true", output, StringComparison.Ordinal);

            (exit, output) = await VeilProcess.RunCliAsync(root, "incident", "report", "--data", data, "--credential", "key-1", "--format", "json");
            Assert.True(exit == 0, output);
            using (var report = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]))
            {
                Assert.Equal(12, report.RootElement.GetProperty("accesses").GetInt32());
                Assert.Equal(12, report.RootElement.GetProperty("persons").GetInt32());
            }

            // One flipped byte in the middle of the log: verify fails (exit 1) and names the entry.
            var log = LedgerPaths.Log(data);
            var bytes = await File.ReadAllBytesAsync(log);
            var middle = FileLedgerStore.ScanPath(log).ElementAt(13);
            bytes[middle.Offset + 30] ^= 0x01;
            await File.WriteAllBytesAsync(log, bytes);
            (exit, output) = await VeilProcess.RunCliAsync(root, "ledger", "verify", "--data", data, "--key-file", keyFile, "--checkpoint", exported, "--json");
            Assert.True(exit == 1, output);
            Assert.Contains("\"firstBadEntry\":13", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}

/// <summary>An operator's `veil query` on a stopped data directory is a read like any other: on the ledger before it prints.</summary>
[Collection("processes")]
public sealed class CliQueryLedgerTests
{
    [Fact]
    public async Task A_cli_report_is_recorded_before_it_is_printed()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (id, _, secret) = await veil.CreateProjectAsync("cli-query");
        await veil.StartAsync();
        using (var client = veil.CreateClient())
        {
            var body = Http.Payloads.Array(Http.Payloads.ImportEvent("Cli Counted", "u1"), Http.Payloads.ImportEvent("Cli Counted", "u2"));
            var reply = await client.SendForReplyAsync(Http.VeilHttp.Post("/import?strict=1", body, Http.VeilHttp.Json).WithBasic(secret));
            Assert.Equal(200, reply.Status);
            await veil.WaitForCountAsync(client, id, secret, 2, "Cli Counted");
        }
        await veil.StopAsync();

        // Without the master key the ledger cannot be opened, so nothing is printed.
        var (refused, refusedOutput) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "query", "insights", "--data", veil.DataDirectory, "--project", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--event", "Cli Counted", "--interval", "total", "--json");
        Assert.NotEqual(0, refused);
        Assert.DoesNotContain("\"series\"", refusedOutput, StringComparison.Ordinal);

        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "query", "insights", "--data", veil.DataDirectory, "--project", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--key-file", veil.KeyFile, "--event", "Cli Counted", "--interval", "total", "--json");
        Assert.True(exit == 0, output);
        Assert.Contains("\"series\"", output, StringComparison.Ordinal);
        await using var ledger = AccessLedger.Open(veil.DataDirectory, MasterKey.Parse(await File.ReadAllTextAsync(veil.KeyFile)), new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero });
        var last = ledger.ReadEntry(ledger.Size - 1).Record;
        Assert.Equal("cli.query.insights", last.Action);
        Assert.Equal(id, last.Project);
        Assert.StartsWith("cli:", last.Principal, StringComparison.Ordinal);
        Assert.Contains("Cli Counted", last.Query, StringComparison.Ordinal);
    }
}
