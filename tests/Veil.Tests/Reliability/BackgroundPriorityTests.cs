namespace Veil.Tests.Reliability;

/// <summary>
/// The ledger index writer runs niced, so on a small machine it yields the CPU to reads waiting for their ledger entry;
/// the store writer does not (starved, it would fill the WAL and make Veil shed load), and request threads keep 0.
/// </summary>
[Collection("processes")]
public sealed class BackgroundPriorityTests
{
    [Fact]
    public async Task The_ledger_index_runs_below_request_threads_and_the_store_writer_does_not()
    {
        await using var veil = await VeilProcess.CreateAsync();
        await veil.CreateProjectAsync("nice");
        await veil.StartAsync();
        var threads = Directory.GetDirectories($"/proc/{veil.ProcessId}/task")
            .Select(task => (Name: File.ReadAllText(Path.Combine(task, "comm")).Trim(), Nice: NiceOf(Path.Combine(task, "stat"))))
            .ToList();
        // Thread names are cut to 15 bytes in /proc.
        Assert.Equal(0, Assert.Single(threads, t => t.Name == "Veil store writ").Nice);
        Assert.Equal(10, Assert.Single(threads, t => t.Name == "Veil ledger ind").Nice);
        Assert.All(threads.Where(t => t.Name.StartsWith(".NET TP Worker", StringComparison.Ordinal)), t => Assert.Equal(0, t.Nice));
    }

    // Field 19 of /proc/…/stat; the name (field 2) may hold spaces, so count from after its closing parenthesis.
    private static int NiceOf(string statPath)
    {
        var stat = File.ReadAllText(statPath);
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return int.Parse(fields[19 - 3], System.Globalization.CultureInfo.InvariantCulture);
    }
}
