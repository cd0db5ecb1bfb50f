using System.CommandLine;

namespace Veil.Load;

/// <summary><c>veil-load baseline</c>: DuckDB appender throughput on the same generated events.</summary>
internal static class BaselineCommand
{
    public static Command Create()
    {
        var events = new Option<int>("--events") { Description = "How many events to append.", DefaultValueFactory = _ => 1_000_000 };
        var seed = new Option<int>("--seed") { Description = "Generator seed (same generator as the load runs).", DefaultValueFactory = _ => 42 };
        var database = new Option<string?>("--db") { Description = "DuckDB file to create (replaced if present; default: a temp file, deleted after)." };
        var label = new Option<string>("--label") { Description = "Name of this run in the results.", DefaultValueFactory = _ => "baseline" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the result JSON here (default: stdout)." };
        var command = new Command("baseline", "Append the pre-generated events straight into a fresh DuckDB file (no HTTP, no WAL) and report events/s.")
        {
            events, seed, database, label, output,
        };
        command.SetAction(async (parse, _) =>
        {
            var count = parse.GetValue(events);
            if (count < 1)
            {
                await Console.Error.WriteLineAsync("veil-load: --events must be positive.");
                return 2;
            }
            var given = parse.GetValue(database);
            var path = given ?? Path.Combine(Path.GetTempPath(), $"veil-baseline-{Environment.ProcessId}.duckdb");
            try
            {
                var result = DuckDbBaseline.Run(count, parse.GetValue(seed), path, parse.GetValue(label)!);
                await LoadCommand.WriteResultAsync(result, parse.GetValue(output));
                return 0;
            }
            finally
            {
                if (given is null)
                {
                    File.Delete(path);
                    File.Delete(path + ".wal");
                }
            }
        });
        return command;
    }
}
