using System.CommandLine;
using Veil.Core.Privacy;

namespace Veil.Cli;

/// <summary>`veil keys …`: master key management.</summary>
internal static class KeysCommands
{
    public static Command Create()
    {
        var keys = new Command("keys", "Manage the master key that wraps every project's keys.");
        var generate = new Command("generate", "Write a new random master key to a file (mode 600). Keep it outside the data directory.");
        var output = new Option<string>("--out") { Description = "Where to write the key file.", Required = true };
        generate.Options.Add(output);
        generate.SetAction(parse =>
        {
            var path = Path.GetFullPath(parse.GetValue(output)!);
            if (File.Exists(path))
            {
                Console.Error.WriteLine($"veil: {path} already exists; refusing to overwrite a key.");
                return 2;
            }
            WriteKeyFile(path, MasterKey.GenerateText());
            Console.WriteLine($"Wrote a new master key to {path}. Start Veil with --key-file {path}.");
            return 0;
        });
        keys.Subcommands.Add(generate);

        var rotate = new Command("rotate-master", "Re-wrap every project's keys under a new master key (events are not touched). Stop the server first.");
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        var newKeyFile = new Option<string>("--new-key-file") { Description = "File with the new master key (create it with `veil keys generate`).", Required = true };
        rotate.Options.Add(data);
        rotate.Options.Add(keyFile);
        rotate.Options.Add(newKeyFile);
        rotate.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(Hosting.VeilPaths.MetadataFile(dataDirectory)))
            {
                Console.Error.WriteLine($"veil: {dataDirectory} holds no Veil data.");
                return 2;
            }
            var current = Hosting.MasterKeySource.Resolve(parse.GetValue(keyFile), dataDirectory);
            var next = Hosting.MasterKeySource.Resolve(parse.GetValue(newKeyFile), dataDirectory);
            using var metadata = Storage.Sqlite.SqliteMetadataStore.Open(Hosting.VeilPaths.MetadataFile(dataDirectory));
            var projects = new Projects.ProjectDirectory(metadata, current);
            var count = projects.RotateMasterKey(next);
            // The access ledger's checkpoint signing key is wrapped by the master key too; the key itself stays the same.
            Security.Ledger.CheckpointSigner.Rewrap(Security.Ledger.LedgerPaths.SigningKey(dataDirectory), current, next);
            Console.WriteLine($"Re-wrapped the keys of {count} project(s) under the new master key (fingerprint {next.Fingerprint()}). " +
                "Start Veil with the new key; the old one no longer opens this data directory.");
            return 0;
        });
        keys.Subcommands.Add(rotate);
        return keys;
    }

    /// <summary>Writes a key file readable only by its owner.</summary>
    public static void WriteKeyFile(string path, string keyText)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using (var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        }))
        using (var writer = new StreamWriter(stream))
        {
            writer.WriteLine(keyText);
        }
    }
}
