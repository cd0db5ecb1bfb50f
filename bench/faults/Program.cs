using System.CommandLine;
using System.Text.Json;
using Veil.Tests;
using Veil.Tests.Reliability.Crash;

var loops = new Option<int>("--loops") { Description = "Kill-and-restart loops (targets alternate: a timer, then each crash point).", DefaultValueFactory = _ => 20 };
var seed = new Option<int>("--seed") { Description = "Seed for kill moments and crash-point pass counts.", DefaultValueFactory = _ => 20261129 };
var keepUnsynced = new Option<bool>("--keep-unsynced") { Description = "Do not cut the WAL back to its last fsync after each kill (a process crash only, not a power cut)." };
var output = new Option<FileInfo?>("--out") { Description = "Write the result JSON here." };

var root = new RootCommand(
    "veil-faults: start veil serve, load it, kill -9 it (at a random moment or exactly at a crash point: mid-fsync, mid-apply, mid-checkpoint), " +
    "cut the WAL back to its last fsync, restart; at the end check every acknowledged event is stored exactly once. Needs `dotnet build bench/faults -c Release`.")
{
    loops, seed, keepUnsynced, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var count = parse.GetValue(loops);
    if (count < 1)
    {
        await Console.Error.WriteLineAsync("veil-faults: --loops must be at least 1.");
        return 2;
    }
    await Console.Error.WriteLineAsync($"veil-faults: {count} loops, seed {parse.GetValue(seed)}, targets {string.Join(", ", CrashLoop.Targets)}");
    await using var veil = await VeilProcess.CreateAsync();
    var result = await CrashLoop.RunAsync(veil, count, parse.GetValue(seed), line => Console.Error.WriteLine("veil-faults: " + line), !parse.GetValue(keepUnsynced));
    var clean = result.Lost.Count == 0 && result.Duplicated.Count == 0;
    await Console.Error.WriteLineAsync(
        $"veil-faults: {result.Loops.Count} kills ({result.Loops.Count(l => l.DiedAtPoint)} at crash points), {result.Acknowledged:N0} of {result.Attempted:N0} events acknowledged, "
        + $"{result.Stored:N0} stored: {result.Lost.Count} lost, {result.Duplicated.Count} duplicated, "
        + $"{result.Loops.Sum(l => l.UnsyncedBytesDropped):N0} unsynced WAL bytes dropped, {result.Elapsed.TotalSeconds:N0} s: {(clean ? "clean" : "FAILED")}");
    var json = JsonSerializer.Serialize(new
    {
        loops = result.Loops.Count,
        seed = parse.GetValue(seed),
        lose_unsynced = !parse.GetValue(keepUnsynced),
        attempted = result.Attempted,
        acknowledged = result.Acknowledged,
        stored = result.Stored,
        lost = result.Lost.Count,
        duplicated = result.Duplicated.Count,
        lost_examples = result.Lost.Take(20),
        duplicated_examples = result.Duplicated.Take(20),
        elapsed_s = Math.Round(result.Elapsed.TotalSeconds, 1),
        kills = result.Loops.Select(l => new { loop = l.Loop, kill_at = l.KillAt, died_at_point = l.DiedAtPoint, acknowledged = l.Acknowledged, unsynced_bytes_dropped = l.UnsyncedBytesDropped }),
    }, new JsonSerializerOptions { WriteIndented = true });
    if (parse.GetValue(output) is { } file) await File.WriteAllTextAsync(file.FullName, json + "\n", cancellationToken);
    else Console.WriteLine(json);
    return clean ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();
