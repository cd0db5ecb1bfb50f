using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Veil.Tests.E2e;

/// <summary>Runs a driver script from tests/e2e with node and returns its one-line JSON report.</summary>
public static class NodeDriver
{
    /// <summary>tests/e2e: $VEIL_E2E_DIR (set by test.sh) or found by walking up to the solution.</summary>
    public static string Directory()
    {
        var fromEnv = Environment.GetEnvironmentVariable("VEIL_E2E_DIR");
        if (!string.IsNullOrEmpty(fromEnv)) return fromEnv;
        var root = RepositoryRoot.Find() ?? throw new InvalidOperationException("Cannot find the repository root (Veil.sln); set VEIL_E2E_DIR.");
        return Path.Combine(root, "tests", "e2e");
    }

    public static async Task<(int ExitCode, JsonElement Report, string Stderr)> RunAsync(string script, IDictionary<string, string> environment, TimeSpan timeout)
    {
        var dir = Directory();
        if (!System.IO.Directory.Exists(Path.Combine(dir, "node_modules")))
        {
            throw new InvalidOperationException($"{dir}/node_modules is missing: run ./test.sh (it runs `npm ci` there) before the end-to-end tests.");
        }
        var start = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(dir, script));
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish in {timeout}: {await stderr}");
        }
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var err = await stderr;
        if (lines.Length == 0) throw new InvalidOperationException($"{script} printed no report (exit {process.ExitCode}): {err}");
        return (process.ExitCode, JsonDocument.Parse(lines[^1]).RootElement.Clone(), err);
    }
}
