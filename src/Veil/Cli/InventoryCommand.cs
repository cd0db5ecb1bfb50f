using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Veil.Hosting;
using Veil.Privacy;
using Veil.Storage;
using Veil.Storage.DuckDb;
using Veil.Storage.Sqlite;

namespace Veil.Cli;

/// <summary>`veil inventory`: what Veil stores for a project, classified — the data inventory a team can publish.</summary>
internal static class InventoryCommand
{
    public static Command Create()
    {
        var command = new Command("inventory", "Print what Veil stores for a project: every column and property seen, its classification and treatment. " +
            "Reads a stopped data directory; for a running server use GET /api/projects/{id}/inventory.");
        var data = CommonOptions.Data();
        var project = new Option<int>("--project") { Description = "The project id.", Required = true };
        var json = CommonOptions.Json();
        command.Options.Add(data);
        command.Options.Add(project);
        command.Options.Add(json);
        command.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            var id = parse.GetValue(project);
            var offline = OfflineProject.Open(dataDirectory, id, $"ask it instead: curl -u SECRET: https://HOST/api/projects/{id}/inventory");
            if (offline is null) return 2;
            var (metadata, store) = (offline.Metadata, offline.Store);
            using (offline)
            {
                var entries = DataInventory.Build(id, store, metadata.CountVaultRecords(id), PiiHitPersister.ReadPersisted(metadata), Projects.ProjectDirectory.ReadGroupKeys(metadata, id));
                if (parse.GetValue(json))
                {
                    using var stdout = Console.OpenStandardOutput();
                    using var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true });
                    InventoryJson.Write(writer, id, entries);
                    Console.WriteLine();
                    return 0;
                }
                var table = new Table().AddColumns("Where", "Name", "Classification", "Treatment", "Events");
                foreach (var e in entries)
                {
                    table.AddRow(Markup.Escape(e.Where), Markup.Escape(e.Name), Markup.Escape(e.Classification), Markup.Escape(e.Treatment), e.Events?.ToString("N0", System.Globalization.CultureInfo.InvariantCulture) ?? "");
                }
                AnsiConsole.Write(table);
                return 0;
            }
        });
        return command;
    }
}
