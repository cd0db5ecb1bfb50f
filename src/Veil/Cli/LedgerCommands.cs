using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Veil.Hosting;
using Veil.Security.Ledger;

namespace Veil.Cli;

/// <summary>`veil ledger verify|checkpoint|show|public-key`: the access ledger, offline.</summary>
internal static class LedgerCommands
{
    public static Command Create()
    {
        var ledger = new Command("ledger", "The access ledger: every read of data, hash-chained into a Merkle log with signed checkpoints.");
        ledger.Subcommands.Add(Verify());
        ledger.Subcommands.Add(CheckpointCommand());
        ledger.Subcommands.Add(Show());
        ledger.Subcommands.Add(PublicKey());
        return ledger;
    }

    private static Command Verify()
    {
        var command = new Command("verify", "Recompute the ledger's Merkle tree, check every entry, and check every stored checkpoint (and each --checkpoint " +
            "exported earlier) against the log with consistency proofs. Names the first bad entry. Works while a server runs. Exit 1 when anything fails.");
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        var checkpoints = new Option<string[]>("--checkpoint") { Description = "A checkpoint note exported earlier (file); repeatable. Catches truncation and rewritten history.", AllowMultipleArgumentsPerToken = false };
        var json = CommonOptions.Json();
        foreach (var option in new Option[] { data, keyFile, checkpoints, json }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(LedgerPaths.Log(dataDirectory)))
            {
                Console.Error.WriteLine($"veil: {dataDirectory} has no access ledger (ledger.log).");
                return 2;
            }
            using var signer = TrySigner(dataDirectory, parse.GetValue(keyFile));
            var exported = (parse.GetValue(checkpoints) ?? []).Select(f => new LedgerVerifier.CheckpointSource(f, File.ReadAllText(f))).ToList();
            LedgerVerifyReport report = null!;
            if (parse.GetValue(json))
            {
                report = LedgerVerifier.VerifyDirectory(dataDirectory, signer, exported);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    ok = report.Ok,
                    entries = report.EntriesChecked,
                    root = Convert.ToBase64String(report.Root),
                    checkpoints = report.CheckpointsChecked,
                    checkpointsConsistent = report.CheckpointsConsistent,
                    firstBadEntry = report.FirstBadEntry,
                    problems = report.Problems,
                    notes = report.Notes,
                }));
                return report.Ok ? 0 : 1;
            }
            if (AnsiConsole.Profile.Capabilities.Interactive)
            {
                AnsiConsole.Status().Start("Verifying the access ledger…", ctx =>
                {
                    report = LedgerVerifier.VerifyDirectory(dataDirectory, signer, exported,
                        n => ctx.Status(string.Create(CultureInfo.InvariantCulture, $"Verifying the access ledger: {n:N0} entries checked…")));
                });
            }
            else
            {
                report = LedgerVerifier.VerifyDirectory(dataDirectory, signer, exported);
            }
            foreach (var note in report.Notes) AnsiConsole.MarkupLine($"[grey]{Markup.Escape(note)}[/]");
            if (report.Ok)
            {
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture,
                    $"[green]OK[/]: {report.EntriesChecked:N0} entries, root {Convert.ToBase64String(report.Root)}; {report.CheckpointsConsistent} checkpoint(s) consistent."));
                return 0;
            }
            AnsiConsole.MarkupLine(report.FirstBadEntry is { } bad ? $"[red]FAILED[/]: first bad entry is {bad}." : "[red]FAILED[/].");
            foreach (var problem in report.Problems) AnsiConsole.MarkupLine($"  [red]•[/] {Markup.Escape(problem)}");
            return 1;
        });
        return command;
    }

    private static Command CheckpointCommand()
    {
        var command = new Command("checkpoint", "Sign a checkpoint of the ledger now (stopped data directory; a running server signs them itself and " +
            "serves GET /api/ledger/checkpoint). Prints the signed note; --out also writes it to a file to keep outside.");
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        var output = new Option<string?>("--out") { Description = "Also write the note to this file (keep it somewhere the operator of this machine cannot rewrite)." };
        foreach (var option in new Option[] { data, keyFile, output }) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            var masterKey = MasterKeySource.Resolve(parse.GetValue(keyFile), dataDirectory);
            var options = new AccessLedgerOptions { CheckpointInterval = TimeSpan.Zero };
            if (parse.GetValue(output) is { } path) options.Publishers.Add(new FileCheckpointPublisher(path));
            try
            {
                await using var ledger = AccessLedger.Open(dataDirectory, masterKey, options);
                var signed = await ledger.CheckpointAsync(cancellationToken);
                Console.Write(signed.Note);
                Console.Error.WriteLine($"Verifier key: {ledger.Signer!.VerifierKey}");
                return 0;
            }
            catch (LedgerInUseException)
            {
                Console.Error.WriteLine("veil: a Veil server holds this ledger; fetch its checkpoint instead: curl -u SECRET: https://HOST/api/ledger/checkpoint");
                return 2;
            }
        });
        return command;
    }

    private static Command Show()
    {
        var command = new Command("show", "Print ledger entries (canonical JSON, one per line). Entries hold pseudonyms and staff IPs, never end-user PII.");
        var data = CommonOptions.Data();
        var from = new Option<long>("--from") { Description = "First entry index.", DefaultValueFactory = _ => 0 };
        var count = new Option<long>("--count") { Description = "How many entries.", DefaultValueFactory = _ => 20 };
        foreach (var option in new Option[] { data, from, count }) command.Options.Add(option);
        command.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(LedgerPaths.Log(dataDirectory)))
            {
                Console.Error.WriteLine($"veil: {dataDirectory} has no access ledger (ledger.log).");
                return 2;
            }
            var first = parse.GetValue(from);
            var last = first + parse.GetValue(count);
            foreach (var item in FileLedgerStore.ScanPath(LedgerPaths.Log(dataDirectory)))
            {
                if (item.Index >= last) break;
                if (item.Record is not { } record)
                {
                    Console.Error.WriteLine($"veil: entry {item.Index}: {item.Problem}");
                    return 1;
                }
                if (item.Index >= first) Console.WriteLine(LedgerEntryCodec.ToText(record.Entry));
            }
            return 0;
        });
        return command;
    }

    private static Command PublicKey()
    {
        var command = new Command("public-key", "Print the checkpoint verifier key (name+id+key, signed-note format) to give external verifiers.");
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        command.Options.Add(data);
        command.Options.Add(keyFile);
        command.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            var path = LedgerPaths.SigningKey(dataDirectory);
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"veil: {dataDirectory} has no ledger signing key yet (it is made when the ledger first opens).");
                return 2;
            }
            using var signer = CheckpointSigner.LoadOrCreate(path, MasterKeySource.Resolve(parse.GetValue(keyFile), dataDirectory));
            Console.WriteLine(signer.VerifierKey);
            return 0;
        });
        return command;
    }

    /// <summary>The signer when a master key is available; null (signatures unchecked) otherwise.</summary>
    private static CheckpointSigner? TrySigner(string dataDirectory, string? keyFile)
    {
        var path = LedgerPaths.SigningKey(dataDirectory);
        if (!File.Exists(path)) return null;
        try
        {
            return CheckpointSigner.LoadOrCreate(path, MasterKeySource.Resolve(keyFile, dataDirectory));
        }
        catch (StartupException)
        {
            return null;
        }
    }
}
