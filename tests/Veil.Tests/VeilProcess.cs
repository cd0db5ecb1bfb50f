using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Veil.Tests;

/// <summary>
/// A real `veil serve` child process on a free loopback port, with its own data directory, key file and certificate
/// directory. Can be killed with SIGKILL and restarted on the same data.
/// </summary>
public sealed class VeilProcess : IAsyncDisposable
{
    private Process? _process;

    /// <summary>True when no server process runs (never started, stopped, or it exited by itself).</summary>
    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>The running server's process id (null when stopped).</summary>
    public int? ProcessId => _process?.Id;
    private readonly StringBuilder _output = new();

    private VeilProcess(string root)
    {
        Root = root;
        DataDirectory = Path.Combine(root, "data");
        ConfigDirectory = Path.Combine(root, "config");
        KeyFile = Path.Combine(ConfigDirectory, "master.key");
        Port = FreePort();
    }

    public string Root { get; }
    public string DataDirectory { get; }
    public string ConfigDirectory { get; }
    public string KeyFile { get; }
    public int Port { get; private set; }
    public string BaseUrl => $"https://127.0.0.1:{Port}";
    public string CertificatePath => Path.Combine(ConfigDirectory, "tls", "veil-selfsigned.crt");
    public string Output { get { lock (_output) return _output.ToString(); } }
    /// <summary>Start with <c>--quiet</c> (warnings only); false logs at information level.</summary>
    public bool Quiet { get; set; } = true;

    /// <summary>Environment variables for the next <see cref="StartAsync"/> (e.g. the crash harness's <c>VEIL_CRASH_AT</c>).</summary>
    public Dictionary<string, string> Environment { get; } = [];

    /// <summary>A fresh data directory with a master key; nothing started yet.</summary>
    public static async Task<VeilProcess> CreateAsync()
    {
        var root = Path.Combine(Path.GetTempPath(), "veil-test-" + Guid.NewGuid().ToString("N")[..12]);
        var veil = new VeilProcess(root);
        Directory.CreateDirectory(veil.DataDirectory);
        Directory.CreateDirectory(veil.ConfigDirectory);
        var result = await RunCliAsync(veil.ConfigDirectory, "keys", "generate", "--out", veil.KeyFile);
        if (result.ExitCode != 0) throw new InvalidOperationException("keys generate failed: " + result.Output);
        return veil;
    }

    /// <summary>Creates a project through the CLI and returns (id, token, secret).</summary>
    public async Task<(int Id, string Token, string Secret)> CreateProjectAsync(string name = "test", string? token = null)
    {
        var args = new List<string> { "project", "create", name, "--data", DataDirectory, "--key-file", KeyFile, "--json" };
        if (token is not null) args.AddRange(["--token", token]);
        var result = await RunCliAsync(ConfigDirectory, [.. args]);
        if (result.ExitCode != 0) throw new InvalidOperationException("project create failed: " + result.Output);
        var json = JsonDocument.Parse(result.Output.Trim().Split('\n')[^1]).RootElement;
        return (json.GetProperty("id").GetInt32(), json.GetProperty("token").GetString()!, json.GetProperty("secret").GetString()!);
    }

    /// <summary>Starts the server and waits until it answers.</summary>
    public async Task StartAsync(params string[] extraArgs)
    {
        if (_process is not null) throw new InvalidOperationException("Already running.");
        var args = new List<string> { "serve", "--data", DataDirectory, "--key-file", KeyFile, "--urls", BaseUrl, "--cert-dir", Path.Combine(ConfigDirectory, "tls") };
        if (Quiet) args.Add("--quiet");
        args.AddRange(extraArgs);
        _process = StartCli(ConfigDirectory, args, line => { lock (_output) _output.AppendLine(line); }, Environment);
        using var client = CreateClient();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited) throw new InvalidOperationException($"veil serve exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var response = await client.GetAsync("/healthz");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
            }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("veil serve did not come up:\n" + Output);
            await Task.Delay(100);
        }
    }

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process is null) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
        _process.Dispose();
        _process = null;
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the server to exit on its own (a crash point killing it); true if it
    /// did, and then it counts as stopped.
    /// </summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null) return true;
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        _process.Dispose();
        _process = null;
        return true;
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        NativeSignals.Terminate(_process.Id);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token);
        _process.Dispose();
        _process = null;
    }

    /// <summary>An HttpClient that trusts exactly this server's self-signed certificate.</summary>
    public HttpClient CreateClient(TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
        {
            if (cert is null || !File.Exists(CertificatePath)) return false;
            using var expected = X509Certificate2.CreateFromPem(File.ReadAllText(CertificatePath));
            return expected.RawData.AsSpan().SequenceEqual(cert.GetRawCertData());
        };
        return new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = timeout ?? TimeSpan.FromSeconds(60) };
    }

    public static HttpRequestMessage WithBasic(HttpRequestMessage request, string user, string password = "")
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password)));
        return request;
    }

    /// <summary>Total events stored for a project, through the read API.</summary>
    public async Task<long> CountAsync(HttpClient client, int projectId, string secret, string? eventName = null)
    {
        var url = $"/api/projects/{projectId}/events/count?from=1971-01-01&to=2100-01-01" + (eventName is null ? "" : "&event=" + Uri.EscapeDataString(eventName));
        using var response = await client.SendAsync(WithBasic(new HttpRequestMessage(HttpMethod.Get, url), secret));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt64();
    }

    /// <summary>Polls the count until it reaches <paramref name="expected"/> (or times out and returns the last value).</summary>
    public async Task<long> WaitForCountAsync(HttpClient client, int projectId, string secret, long expected, string? eventName = null, int timeoutSeconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        long last;
        while ((last = await CountAsync(client, projectId, secret, eventName)) < expected && DateTime.UtcNow < deadline) await Task.Delay(100);
        return last;
    }

    public static async Task<(int ExitCode, string Output)> RunCliAsync(string configDirectory, params string[] args)
    {
        var output = new StringBuilder();
        using var process = StartCli(configDirectory, args, line => { lock (output) output.AppendLine(line); });
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }

    private static Process StartCli(string configDirectory, IEnumerable<string> args, Action<string> onLine, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "veil.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment["VEIL_CONFIG_DIR"] = configDirectory;
        start.Environment.Remove("VEIL_MASTER_KEY");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) onLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        catch (Exception)
        {
            Kill();
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
