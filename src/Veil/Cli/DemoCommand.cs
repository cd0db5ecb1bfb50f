using System.CommandLine;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Spectre.Console;
using Veil.Core.Privacy;
using Veil.Demo;
using Veil.Hosting;
using Veil.Ingestion;

namespace Veil.Cli;

/// <summary>`veil demo`: start Veil with its embedded defaults and realistic demo data sent through the real ingestion path.</summary>
internal static class DemoCommand
{
    private const string GeneratedSetting = "demo_generated";

    public static Command Create()
    {
        var command = new Command("demo", "Start Veil with embedded defaults and generated demo data (a shop with sign-ups, a purchase funnel and churn).");
        var data = CommonOptions.Data(Path.Combine(".veil", "demo"));
        var keyFile = CommonOptions.KeyFile();
        var users = new Option<int>("--users") { Description = "How many demo users to generate.", DefaultValueFactory = _ => 50_000 };
        var days = new Option<int>("--days") { Description = "How many days of history.", DefaultValueFactory = _ => 90 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same data).", DefaultValueFactory = _ => 42 };
        var noServe = new Option<bool>("--no-serve") { Description = "Generate the data, print how to use it, and exit." };
        var server = new ServerOptionSet(command);
        command.Options.Add(data);
        command.Options.Add(keyFile);
        command.Options.Add(users);
        command.Options.Add(days);
        command.Options.Add(seed);
        command.Options.Add(noServe);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dataDirectory = Path.GetFullPath(parse.GetValue(data)!);
            Directory.CreateDirectory(dataDirectory);
            var masterKey = ResolveDemoKey(parse.GetValue(keyFile), dataDirectory);
            var options = server.Build(parse, dataDirectory, masterKey);
            ServeCommand.HardenProcess();
            await using var running = await VeilServer.StartAsync(options, cancellationToken);
            var credentials = DemoCredentials(running);
            var metadata = running.Services.GetRequiredService<Storage.Metadata.IMetadataStore>();
            var baseUrl = running.Addresses.First(a => a.StartsWith("https", StringComparison.Ordinal) || a.StartsWith("http", StringComparison.Ordinal)).TrimEnd('/');
            if (metadata.GetSetting(GeneratedSetting) is null)
            {
                await SendDemoDataAsync(running, baseUrl, credentials, new DemoDataGenerator(parse.GetValue(users), parse.GetValue(days), parse.GetValue(seed), DateTimeOffset.UtcNow), cancellationToken);
                metadata.SetSetting(GeneratedSetting, DateTimeOffset.UtcNow.ToString("O"));
            }
            else
            {
                Console.WriteLine($"Demo data already generated in {dataDirectory}; serving it.");
            }
            running.PrintBanner(Console.Out);
            PrintHowTo(baseUrl, credentials, running.CertificatePath);
            PrintOwnerHowTo(running, baseUrl);
            if (parse.GetValue(noServe)) return 0;
            Console.WriteLine("Press Ctrl+C to stop.");
            await running.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static MasterKey ResolveDemoKey(string? keyFile, string dataDirectory)
    {
        if (keyFile is not null || !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(MasterKeySource.EnvironmentVariable)))
        {
            return MasterKeySource.Resolve(keyFile, dataDirectory);
        }
        var path = Path.Combine(VeilPaths.ConfigDirectory(), "demo-master.key");
        if (!File.Exists(path))
        {
            KeysCommands.WriteKeyFile(path, MasterKey.GenerateText());
            Console.WriteLine($"Generated a demo master key at {path} (outside the data directory, as keys must be).");
        }
        return MasterKeySource.Resolve(path, dataDirectory);
    }

    private sealed record Credentials(int ProjectId, string Token, string Secret);

    /// <summary>The demo project's credentials live beside the demo key (outside the data directory): secrets are stored only hashed.</summary>
    private static Credentials DemoCredentials(VeilServer running)
    {
        var file = Path.Combine(VeilPaths.ConfigDirectory(), "demo-credentials-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(running.Options.DataDirectory)))[..12] + ".json");
        if (File.Exists(file))
        {
            var saved = JsonSerializer.Deserialize<JsonElement>(File.ReadAllText(file));
            var id = saved.GetProperty("projectId").GetInt32();
            if (running.Projects.FindById(id) is not null)
            {
                return new Credentials(id, saved.GetProperty("token").GetString()!, saved.GetProperty("secret").GetString()!);
            }
        }
        var (project, secret) = running.Projects.Create("Demo shop");
        File.WriteAllText(file, JsonSerializer.Serialize(new { projectId = project.Id, token = project.Record.Token, secret }));
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return new Credentials(project.Id, project.Record.Token, secret);
    }

    private static async Task SendDemoDataAsync(VeilServer running, string baseUrl, Credentials credentials, DemoDataGenerator generator, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler();
        if (running.CertificateFingerprint is not null)
        {
            // Trust exactly our own self-signed certificate, nothing else.
            var expected = running.CertificateFingerprint.Replace(":", "", StringComparison.Ordinal);
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
                cert is not null && Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(cert.GetRawCertData())) == expected;
        }
        using var http = new HttpClient(handler) { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(credentials.Secret + ":")));
        long sent = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async progress =>
            {
                var task = progress.AddTask($"Sending demo events for {generator.Users:N0} users through /import", maxValue: generator.Users);
                using var gate = new SemaphoreSlim(4);
                var inFlight = new List<Task>();
                foreach (var (body, count, usersDone) in generator.Batches())
                {
                    await gate.WaitAsync(cancellationToken);
                    inFlight.RemoveAll(t => t.IsCompleted);
                    inFlight.Add(Task.Run(async () =>
                    {
                        try
                        {
                            await PostWithRetryAsync(http, body, cancellationToken);
                            Interlocked.Add(ref sent, count);
                        }
                        finally
                        {
                            gate.Release();
                        }
                    }, cancellationToken));
                    task.Value = usersDone;
                    task.Description = $"Sent {Interlocked.Read(ref sent):N0} demo events ({usersDone:N0}/{generator.Users:N0} users)";
                }
                await Task.WhenAll(inFlight);
                task.Value = generator.Users;
                task.Description = $"Sent {sent:N0} demo events";
                var storing = progress.AddTask("Waiting for the store writer to catch up", maxValue: 1);
                await running.Services.GetRequiredService<StoreWriter>().WaitUntilCaughtUpAsync(cancellationToken);
                storing.Value = 1;
            });
        var stored = running.Services.GetRequiredService<Storage.IEventStore>().CountEvents(credentials.ProjectId);
        Console.WriteLine($"Sent {sent:N0} demo events for {generator.Users:N0} users through /import in {clock.Elapsed.TotalSeconds:N0} s; {stored:N0} are stored.");
    }

    private static async Task PostWithRetryAsync(HttpClient http, byte[] body, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await http.PostAsync("/import?strict=1", content, cancellationToken);
            if (response.IsSuccessStatusCode) return;
            if ((int)response.StatusCode == 503 && attempt < 50)
            {
                await Task.Delay(200, cancellationToken);
                continue;
            }
            throw new InvalidOperationException($"Demo import failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancellationToken)}");
        }
    }

    /// <summary>How to sign in as the owner (the one-time password is in the banner above on the first run only).</summary>
    private static void PrintOwnerHowTo(VeilServer running, string baseUrl)
    {
        var cacert = running.CertificatePath is null ? "" : $"--cacert {running.CertificatePath} ";
        Console.WriteLine();
        if (running.InitialOwner is { } owner)
        {
            Console.WriteLine($"Sign in as the owner ({owner.Email}) with the one-time password above; it is shown only this once:");
            Console.WriteLine($"  curl {cacert}-c cookies.txt -H 'Content-Type: application/json' -d '{{\"email\":\"{owner.Email}\",\"password\":\"{owner.OneTimePassword}\"}}' {baseUrl}/api/auth/signin");
            Console.WriteLine("  then set your own password (POST /api/auth/password) and enrol a TOTP app (POST /api/auth/mfa/totp/enrol, /confirm),");
            Console.WriteLine("  sending the `csrf` value of each answer as the X-CSRF-Token header. docs/security.md walks through it.");
        }
        else
        {
            Console.WriteLine($"The owner account ({running.Options.InitialOwnerEmail}) was created on the first run, when its one-time password was printed;");
            Console.WriteLine($"  sign in at {baseUrl}/api/auth/signin with the password you set then.");
        }
    }

    private static void PrintHowTo(string baseUrl, Credentials credentials, string? certificatePath)
    {
        var cacert = certificatePath is null ? "" : $"--cacert {certificatePath} ";
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine($"Demo project {credentials.ProjectId}:");
        Console.WriteLine($"  token:  {credentials.Token}");
        Console.WriteLine($"  secret: {credentials.Secret}");
        Console.WriteLine();
        Console.WriteLine("Send a first event:");
        Console.WriteLine($"  curl {cacert}{baseUrl}/track -d 'data={{\"event\":\"Hello Veil\",\"properties\":{{\"token\":\"{credentials.Token}\",\"distinct_id\":\"me\"}}}}'");
        Console.WriteLine("From a web page (mixpanel-browser):");
        Console.WriteLine($"  mixpanel.init('{credentials.Token}', {{ api_host: '{baseUrl}' }}); mixpanel.track('Hello Veil');");
        Console.WriteLine("Count events per day:");
        Console.WriteLine($"  curl {cacert}-u '{credentials.Secret}:' '{baseUrl}/api/projects/{credentials.ProjectId}/events/count?from=2020-01-01&to={today}'");
    }
}
