using System.CommandLine;
using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Veil.Core.Privacy;
using Veil.Fuzz;
using Veil.Hosting;

var inputs = new Option<long>("--inputs") { Description = "Adversarial inputs through the in-process parsers.", DefaultValueFactory = _ => 100_000 };
var seed = new Option<long>("--seed") { Description = "Generator seed: the same seed gives the same inputs (case i is replayable).", DefaultValueFactory = _ => 20261129 };
var httpInputs = new Option<long?>("--http-inputs") { Description = "Inputs sent over HTTPS to an in-process Veil (default: 0.2% of --inputs, at least 200; 0 = none)." };
var threads = new Option<int>("--threads") { Description = "In-process worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
var connections = new Option<int>("--connections") { Description = "Concurrent HTTP requests.", DefaultValueFactory = _ => 4 };
var noSlow = new Option<bool>("--no-slow-clients") { Description = "Skip the two slowloris clients (header dribble, 2 B/s body)." };
var captures = new Option<string[]>("--captures") { Description = "Directories of SDK capture files (*.requests.jsonl) to mutate.", AllowMultipleArgumentsPerToken = true };
var output = new Option<FileInfo?>("--out") { Description = "Write the result JSON here (default: stdout)." };

var root = new RootCommand("veil-fuzz: malformed and adversarial payloads against every Veil ingestion parser, in process and over HTTP.")
{
    inputs, seed, httpInputs, threads, connections, noSlow, captures, output,
};
root.SetAction(async (parse, cancellationToken) =>
{
    var seedValue = parse.GetValue(seed);
    var count = parse.GetValue(inputs);
    var httpCount = parse.GetValue(httpInputs) ?? Math.Max(200, count / 500);
    var directories = parse.GetValue(captures) is { Length: > 0 } given ? given : DefaultCaptureDirectories();
    var seeds = FuzzSeeds.Load(directories);
    var interactive = !Console.IsErrorRedirected;
    await Console.Error.WriteLineAsync($"veil-fuzz: seed {seedValue}, {count:N0} in-process inputs, {httpCount:N0} over HTTP, {seeds.Count} seed payloads");

    var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
    var inProcess = FuzzRunner.RunInProcess(new FuzzGenerator(seedValue, seeds, nowMs: nowMs), seedValue, 0, count, parse.GetValue(threads), nowMs,
        report => Progress(report, count, interactive));
    if (interactive) Console.Error.WriteLine();
    await Console.Error.WriteLineAsync(inProcess.Summary());

    FuzzReport? http = null;
    if (httpCount > 0)
    {
        var rootDirectory = Path.Combine(Path.GetTempPath(), "veil-fuzz-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            await using var server = await VeilServer.StartAsync(new VeilServerOptions
            {
                DataDirectory = Path.Combine(rootDirectory, "data"),
                MasterKey = MasterKey.Parse(MasterKey.GenerateText()),
                Urls = ["https://127.0.0.1:0"],
                CertificateDirectory = Path.Combine(rootDirectory, "tls"),
                Quiet = true,
            });
            var (project, secret) = server.Projects.Create("fuzz", null);
            var token = project.Record.Token;
            var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(server.CertificatePath!));
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && certificate.RawData.AsSpan().SequenceEqual(cert.GetRawCertData());
            var baseUrl = new Uri(server.Addresses.First());
            using var client = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(30) };
            // HTTP cases continue the index range after the in-process ones, so they are different inputs.
            http = await FuzzRunner.RunHttpAsync(new FuzzGenerator(seedValue, seeds, token, nowMs), seedValue, new HttpTarget(client, token, secret), count, httpCount,
                parse.GetValue(connections), baseUrl, !parse.GetValue(noSlow), TimeSpan.FromMinutes(10), Environment.ProcessId,
                report => Progress(report, httpCount, interactive));
            if (interactive) Console.Error.WriteLine();
            await Console.Error.WriteLineAsync(http.Summary());
        }
        finally
        {
            try
            {
                Directory.Delete(rootDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    var result = new Dictionary<string, object?>
    {
        ["seed"] = seedValue,
        ["command"] = "veil-fuzz " + string.Join(' ', args),
        ["seed_payloads"] = seeds.Count,
        ["failures"] = inProcess.Failures + (http?.Failures ?? 0),
        ["in_process"] = inProcess,
        ["http"] = http,
        ["machine"] = new { cores = Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString() },
    };
    var json = JsonSerializer.Serialize(result, FuzzReport.Json);
    if (parse.GetValue(output) is { } file) await File.WriteAllTextAsync(file.FullName, json, cancellationToken);
    else Console.WriteLine(json);
    return inProcess.Failures + (http?.Failures ?? 0) == 0 ? 0 : 1;
});
return await root.Parse(args).InvokeAsync();

static void Progress(FuzzReport report, long total, bool interactive)
{
    var line = $"{report.Target}: {report.Inputs:N0}/{total:N0} ({100.0 * report.Inputs / Math.Max(1, total):F1}%), {report.Failures} failures, " +
        $"{report.Inputs / Math.Max(0.001, report.ElapsedSeconds):N0}/s, {report.ElapsedSeconds:F0} s, RSS {Process.GetCurrentProcess().WorkingSet64 / 1048576} MiB";
    if (interactive) Console.Error.Write("\r" + line.PadRight(110));
    else if ((long)report.ElapsedSeconds % 5 == 0) Console.Error.WriteLine(line);
}

static string[] DefaultCaptureDirectories()
{
    // The repository's capture files, found from the working directory or the tool's own location.
    foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "Veil.Tests", "Captures");
            if (Directory.Exists(candidate)) return [candidate];
        }
    }
    return [];
}
