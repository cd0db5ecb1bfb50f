using System.Text.RegularExpressions;

namespace Veil.Tests;

/// <summary>The `veil` command line as a user runs it.</summary>
[Collection("processes")]
public partial class CliTests
{
    [Theory]
    [InlineData("serve")]
    [InlineData("demo")]
    [InlineData("project", "create")]
    [InlineData("project", "list")]
    [InlineData("project", "service-account")]
    [InlineData("keys", "generate")]
    [InlineData("keys", "rotate-master")]
    [InlineData("inventory")]
    [InlineData("privacy", "fingerprint-risk")]
    [InlineData("ledger", "verify")]
    [InlineData("ledger", "checkpoint")]
    [InlineData("ledger", "show")]
    [InlineData("ledger", "public-key")]
    [InlineData("incident", "report")]
    public async Task Every_command_has_help(params string[] command)
    {
        var config = Directory.CreateTempSubdirectory("veil-cli-").FullName;
        var (exit, output) = await VeilProcess.RunCliAsync(config, [.. command, "--help"]);
        Directory.Delete(config, recursive: true);
        Assert.Equal(0, exit);
        Assert.Contains("Usage:", output, StringComparison.Ordinal);
        Assert.Contains("Options:", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_generates_data_through_ingestion_prints_how_to_send_and_is_idempotent()
    {
        await using var veil = await VeilProcess.CreateAsync();
        string[] args = ["demo", "--data", veil.DataDirectory, "--users", "300", "--days", "14", "--no-serve", "--urls", veil.BaseUrl, "--cert-dir", Path.Combine(veil.ConfigDirectory, "tls")];
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, args);
        Assert.True(exit == 0, output);
        Assert.Contains("Generated a demo master key", output, StringComparison.Ordinal);
        Assert.Contains(veil.BaseUrl, output, StringComparison.Ordinal);
        var stored = StoredLine().Match(output);
        Assert.True(stored.Success, output);
        Assert.True(long.Parse(stored.Groups[1].Value.Replace(",", "", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture) > 1000, output);
        Assert.Matches(TokenLine(), output);
        Assert.Contains("/track -d 'data=", output, StringComparison.Ordinal);
        Assert.Contains("Sign in as the owner (owner@veil.localhost)", output, StringComparison.Ordinal);
        Assert.Matches(OwnerPasswordLine(), output);

        var (again, secondOutput) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, args);
        Assert.True(again == 0, secondOutput);
        Assert.Contains("already generated", secondOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Generated a demo master key", secondOutput, StringComparison.Ordinal);
        // The one-time password is printed once, on the first run only.
        Assert.DoesNotMatch(OwnerPasswordLine(), secondOutput);
        Assert.Contains("was created on the first run", secondOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fingerprint_risk_of_the_demo_population_falls_with_coarsening()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "demo", "--data", veil.DataDirectory, "--users", "800", "--days", "20",
            "--no-serve", "--urls", veil.BaseUrl, "--cert-dir", Path.Combine(veil.ConfigDirectory, "tls"));
        Assert.True(exit == 0, output);
        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "privacy", "fingerprint-risk", "--data", veil.DataDirectory, "--project", "1",
            "--demo-users", "800", "--demo-days", "20", "--json");
        Assert.True(exit == 0, output);
        var report = System.Text.Json.JsonDocument.Parse(output.Trim().Split('\n')[^1]).RootElement;
        Assert.Equal(800, report.GetProperty("persons").GetInt64());
        var before = report.GetProperty("share_unique_before").GetDouble();
        var after = report.GetProperty("share_unique_after").GetDouble();
        Assert.True(before > 0.9, $"exact device details should single out most demo users, got {before:P}");
        Assert.True(after < before / 5, $"coarsening should cut the unique share by far: before {before:P}, after {after:P}");
    }

    [Fact]
    public async Task Serve_refuses_a_key_file_inside_the_data_directory_plain_http_unless_asked_a_starved_store_and_a_tiny_wal()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var inside = Path.Combine(veil.DataDirectory, "master.key");
        File.Copy(veil.KeyFile, inside);
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", inside, "--urls", veil.BaseUrl);
        Assert.Equal(2, exit);
        Assert.Contains("inside the data directory", output, StringComparison.Ordinal);

        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--urls", $"http://127.0.0.1:{veil.Port}");
        Assert.Equal(2, exit);
        Assert.Contains("--http", output, StringComparison.Ordinal);

        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--urls", veil.BaseUrl, "--store-memory-mb", "16");
        Assert.Equal(2, exit);
        Assert.Contains("--store-memory-mb 16 is too small", output, StringComparison.Ordinal);

        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--urls", veil.BaseUrl, "--wal-backlog-mb", "8");
        Assert.Equal(2, exit);
        Assert.Contains("--wal-backlog-mb 8 is too small", output, StringComparison.Ordinal);

        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--urls", veil.BaseUrl, "--dedup-keys-millions", "0");
        Assert.Equal(2, exit);
        Assert.Contains("--dedup-keys-millions 0 is too small", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_master_key_that_did_not_create_the_data_directory()
    {
        await using var veil = await VeilProcess.CreateAsync();
        await veil.CreateProjectAsync();
        var otherKey = Path.Combine(veil.ConfigDirectory, "other.key");
        Assert.Equal(0, (await VeilProcess.RunCliAsync(veil.ConfigDirectory, "keys", "generate", "--out", otherKey)).ExitCode);
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", otherKey, "--urls", veil.BaseUrl);
        Assert.Equal(2, exit);
        Assert.Contains("not the one this data directory was created with", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotating_the_master_key_keeps_pseudonyms_and_retires_the_old_key()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (projectId, token, secret) = await veil.CreateProjectAsync();
        await veil.StartAsync();
        using (var client = veil.CreateClient())
        {
            using var response = await client.PostAsync("/track", new FormUrlEncodedContent(new Dictionary<string, string> { ["data"] = $$$"""{"event":"Before","properties":{"token":"{{{token}}}","distinct_id":"alice","$insert_id":"a1"}}""" }));
            Assert.Equal("1", await response.Content.ReadAsStringAsync());
            await veil.WaitForCountAsync(client, projectId, secret, 1);
        }
        await veil.StopAsync();

        var newKey = Path.Combine(veil.ConfigDirectory, "new.key");
        Assert.Equal(0, (await VeilProcess.RunCliAsync(veil.ConfigDirectory, "keys", "generate", "--out", newKey)).ExitCode);
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "keys", "rotate-master", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--new-key-file", newKey);
        Assert.True(exit == 0, output);
        Assert.Contains("1 project", output, StringComparison.Ordinal);

        var (oldExit, oldOutput) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, "serve", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--urls", veil.BaseUrl);
        Assert.Equal(2, oldExit);
        Assert.Contains("not the one this data directory was created with", oldOutput, StringComparison.Ordinal);

        // The same person sends again under the new key: the same pseudonym, so dedup (and later identity) still match.
        File.Copy(newKey, veil.KeyFile, overwrite: true);
        await veil.StartAsync();
        using (var client = veil.CreateClient())
        {
            using var response = await client.PostAsync("/track", new FormUrlEncodedContent(new Dictionary<string, string> { ["data"] = $$$"""{"event":"Before","properties":{"token":"{{{token}}}","distinct_id":"alice","$insert_id":"a2"}}""" }));
            Assert.Equal("1", await response.Content.ReadAsStringAsync());
            Assert.Equal(2, await veil.WaitForCountAsync(client, projectId, secret, 2));
        }
        await veil.StopAsync();
        using var connection = new DuckDB.NET.Data.DuckDBConnection($"Data Source={Path.Combine(veil.DataDirectory, "events.duckdb")}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(DISTINCT distinct_id) FROM events";
        Assert.Equal(1L, Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"([\d,]+) are stored")]
    private static partial Regex StoredLine();

    [GeneratedRegex(@"token:\s+[0-9a-f]{32}")]
    private static partial Regex TokenLine();

    [GeneratedRegex(@"password: +[A-Za-z0-9]{20}\b")]
    private static partial Regex OwnerPasswordLine();

    [Fact]
    public async Task Service_account_command_takes_scopes_expiry_and_allow_list_and_refuses_bad_ones()
    {
        await using var veil = await VeilProcess.CreateAsync();
        var (id, _, _) = await veil.CreateProjectAsync("cli-scopes");
        string[] common = ["project", "service-account", "--data", veil.DataDirectory, "--key-file", veil.KeyFile, "--project", id.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, [.. common, "--username", "exporter", "--scope", "export", "read:aggregate", "--expires", "30d", "--allow-ip", "10.0.0.0/8", "--json"]);
        Assert.True(exit == 0, output);
        Assert.Contains("\"export\"", output, StringComparison.Ordinal);
        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, [.. common, "--username", "bad", "--scope", "read:everything"]);
        Assert.Equal(2, exit);
        Assert.Contains("read:everything", output, StringComparison.Ordinal);
        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, [.. common, "--username", "late", "--expires", "yesterday"]);
        Assert.Equal(2, exit);
        Assert.Contains("--expires", output, StringComparison.Ordinal);
        (exit, output) = await VeilProcess.RunCliAsync(veil.ConfigDirectory, [.. common, "--username", "nowhere", "--allow-ip", "999.1.1.1"]);
        Assert.Equal(2, exit);
        Assert.Contains("999.1.1.1", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_on_an_empty_data_directory_prints_the_owner_once()
    {
        await using var veil = await VeilProcess.CreateAsync();
        await veil.StartAsync();
        var first = veil.Output;
        var match = OwnerPasswordLine().Match(first);
        Assert.True(match.Success, first);
        var password = match.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[^1];
        using (var client = veil.CreateClient())
        {
            using var signIn = await client.PostAsync("/api/auth/signin", new StringContent($$"""{"email":"owner@veil.localhost","password":"{{password}}"}""", System.Text.Encoding.UTF8, "application/json"));
            var text = await signIn.Content.ReadAsStringAsync();
            Assert.True(signIn.IsSuccessStatusCode, text);
            Assert.Contains("password_change", text, StringComparison.Ordinal);
        }
        await veil.StopAsync();
        await veil.StartAsync();
        Assert.Single(OwnerPasswordLine().Matches(veil.Output));
    }
}
