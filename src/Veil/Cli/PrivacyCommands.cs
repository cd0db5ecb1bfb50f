using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Veil.Demo;
using Veil.Hosting;
using Veil.Storage;
using Veil.Storage.DuckDb;

namespace Veil.Cli;

/// <summary>`veil privacy …`: reports about what the privacy pipeline achieves.</summary>
internal static class PrivacyCommands
{
    public static Command Create()
    {
        var privacy = new Command("privacy", "Privacy reports.");
        var risk = new Command("fingerprint-risk",
            "Share of people whose stored device/geo combination is unique (re-identifiable by it), after coarsening; with " +
            "--demo-users, also before coarsening, from the demo generator's exact values. Reads a stopped data directory.");
        var data = CommonOptions.Data();
        var project = new Option<int>("--project") { Description = "The project id.", Required = true };
        var demoUsers = new Option<int?>("--demo-users") { Description = "The demo's --users (to recompute its raw device details)." };
        var demoDays = new Option<int>("--demo-days") { Description = "The demo's --days.", DefaultValueFactory = _ => 90 };
        var demoSeed = new Option<int>("--demo-seed") { Description = "The demo's --seed.", DefaultValueFactory = _ => 42 };
        var json = CommonOptions.Json();
        foreach (var option in new Option[] { data, project, demoUsers, demoDays, demoSeed, json }) risk.Options.Add(option);
        risk.SetAction(parse =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            if (!File.Exists(VeilPaths.EventsFile(dataDirectory)))
            {
                Console.Error.WriteLine($"veil: {dataDirectory} holds no events.");
                return 2;
            }
            var store = OfflineProject.OpenStore(dataDirectory, "stop it first.");
            if (store is null) return 2;
            (long Persons, long Unique) after;
            using (store)
            {
                after = store.CountUniqueDeviceCombinations(parse.GetValue(project));
            }
            (long Persons, long Unique)? before = null;
            if (parse.GetValue(demoUsers) is { } users)
            {
                var profiles = new DemoDataGenerator(users, parse.GetValue(demoDays), parse.GetValue(demoSeed), DateTimeOffset.UtcNow).RawProfiles();
                var sizes = profiles.GroupBy(p => (p.Browser, p.BrowserVersion, p.Os, p.Width, p.Height, p.Country, p.Region, p.City)).Select(g => g.LongCount()).ToList();
                before = (sizes.Sum(), sizes.Count(n => n == 1));
            }
            static double Share((long Persons, long Unique) r) => r.Persons == 0 ? 0 : (double)r.Unique / r.Persons;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    persons = after.Persons,
                    unique_after = after.Unique,
                    share_unique_after = Share(after),
                    unique_before = before?.Unique,
                    share_unique_before = before is null ? (double?)null : Share(before.Value),
                }));
                return 0;
            }
            if (before is { } b)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"Before coarsening (exact browser version, window size, city, region, country): {b.Unique:N0} of {b.Persons:N0} people unique ({Share(b):P2})."));
            }
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"As stored (browser + major, OS + major, device type, screen /100 px, country, region): {after.Unique:N0} of {after.Persons:N0} people unique ({Share(after):P2})."));
            return 0;
        });
        privacy.Subcommands.Add(risk);
        return privacy;
    }
}
