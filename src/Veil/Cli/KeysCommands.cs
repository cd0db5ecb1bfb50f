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
