using System.Diagnostics;

namespace Veil.Storage.Tests;

/// <summary>This test assembly run as a child process (see <see cref="Program"/>).</summary>
internal sealed class StoreProbe : IDisposable
{
    private readonly Process _process;

    public StoreProbe(string mode, string storeFile)
    {
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(typeof(StoreProbe).Assembly.Location);
        start.ArgumentList.Add(mode);
        start.ArgumentList.Add(storeFile);
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the probe process.");
    }

    /// <summary>Next line the child printed, or null once it exited.</summary>
    public string? ReadLine(TimeSpan timeout)
    {
        var line = _process.StandardOutput.ReadLineAsync();
        if (!line.Wait(timeout)) throw new TimeoutException($"The probe printed nothing within {timeout}. stderr: {StandardError()}");
        return line.Result;
    }

    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) throw new TimeoutException("The probe did not exit.");
        return _process.ExitCode;
    }

    public void Kill()
    {
        _process.Kill();
        _process.WaitForExit();
    }

    public void CloseInput() => _process.StandardInput.Close();

    public string StandardError() => _process.HasExited ? _process.StandardError.ReadToEnd() : "(still running)";

    public void Dispose()
    {
        if (!_process.HasExited) Kill();
        _process.Dispose();
    }
}
