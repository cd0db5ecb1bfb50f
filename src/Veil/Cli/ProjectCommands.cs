using System.CommandLine;
using System.Text.Json;
using Veil.Hosting;
using Veil.Projects;
using Veil.Storage.Sqlite;

namespace Veil.Cli;

/// <summary>`veil project …` and service accounts.</summary>
internal static class ProjectCommands
{
    public static Command Create()
    {
        var project = new Command("project", "Create and list projects.");

        var create = new Command("create", "Create a project; prints its public ingestion token and its secret (shown once).");
        var name = new Argument<string>("name") { Description = "A name for the project." };
        var data = CommonOptions.Data();
        var keyFile = CommonOptions.KeyFile();
        var json = CommonOptions.Json();
        var token = new Option<string?>("--token") { Description = "Use this ingestion token instead of a random one (e.g. to keep an SDK's existing token)." };
        create.Arguments.Add(name);
        create.Options.Add(data);
        create.Options.Add(keyFile);
        create.Options.Add(token);
        create.Options.Add(json);
        create.SetAction(parse =>
        {
            using var directory = Open(parse.GetValue(data)!, parse.GetValue(keyFile));
            try
            {
                var (created, secret) = directory.Projects.Create(parse.GetValue(name)!, parse.GetValue(token));
                if (parse.GetValue(json))
                {
                    Console.WriteLine(JsonSerializer.Serialize(new { id = created.Id, token = created.Record.Token, secret }));
                }
                else
                {
                    Console.WriteLine($"Project {created.Id} \"{created.Record.Name}\" created.");
                    Console.WriteLine($"  token:  {created.Record.Token}   (public, write-only: put it in your SDK)");
                    Console.WriteLine($"  secret: {secret}   (shown once: for /import and the read API, over HTTPS only)");
                }
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                Console.Error.WriteLine("veil: " + e.Message);
                return 2;
            }
        });

        var list = new Command("list", "List projects.");
        var listData = CommonOptions.Data();
        var listKey = CommonOptions.KeyFile();
        var listJson = CommonOptions.Json();
        list.Options.Add(listData);
        list.Options.Add(listKey);
        list.Options.Add(listJson);
        list.SetAction(parse =>
        {
            using var directory = Open(parse.GetValue(listData)!, parse.GetValue(listKey));
            var projects = directory.Projects.List();
            if (parse.GetValue(listJson))
            {
                Console.WriteLine(JsonSerializer.Serialize(projects.Select(p => new { id = p.Id, name = p.Name, token = p.Token })));
            }
            else
            {
                foreach (var p in projects) Console.WriteLine($"{p.Id}\t{p.Token}\t{p.Name}");
            }
            return 0;
        });

        var account = new Command("service-account", "Create a service account (username + secret) with explicit scopes for a project's API.");
        var accountData = CommonOptions.Data();
        var accountKey = CommonOptions.KeyFile();
        var accountJson = CommonOptions.Json();
        var projectId = new Option<int>("--project") { Description = "The project id.", Required = true };
        var username = new Option<string>("--username") { Description = "The service account's username.", Required = true };
        var scope = new Option<string[]>("--scope")
        {
            Description = "A scope: ingest, import, read:aggregate, read:individual, export, admin (repeatable; default: import and read:aggregate).",
            AllowMultipleArgumentsPerToken = true,
        };
        var expires = new Option<string?>("--expires") { Description = "Expiry: an ISO 8601 date-time, or a duration such as 90d or 12h." };
        var allowIp = new Option<string[]>("--allow-ip") { Description = "Only from this IP address or CIDR range (repeatable).", AllowMultipleArgumentsPerToken = true };
        account.Options.Add(accountData);
        account.Options.Add(accountKey);
        account.Options.Add(projectId);
        account.Options.Add(username);
        account.Options.Add(scope);
        account.Options.Add(expires);
        account.Options.Add(allowIp);
        account.Options.Add(accountJson);
        account.SetAction(parse =>
        {
            var dataDirectory = parse.GetValue(accountData)!;
            using var directory = Open(dataDirectory, parse.GetValue(accountKey));
            using var accounts = SqliteAccountStore.Open(VeilPaths.MetadataFile(dataDirectory));
            try
            {
                var id = parse.GetValue(projectId);
                if (directory.Projects.FindById(id) is null) throw new ArgumentException($"there is no project {id}.");
                var scopes = parse.GetValue(scope) is { Length: > 0 } given ? given.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() : ["import", "read:aggregate"];
                var now = DateTimeOffset.UtcNow;
                var expiresAt = ParseExpiry(parse.GetValue(expires), now);
                var name = parse.GetValue(username)!;
                var secret = Access.ServiceAccountIssuer.Create(accounts, id, name, scopes, expiresAt, parse.GetValue(allowIp) ?? [], now);
                if (parse.GetValue(accountJson)) Console.WriteLine(JsonSerializer.Serialize(new { username = name, secret, scopes, expires_at = expiresAt }));
                else Console.WriteLine($"Service account {name} created with scopes {string.Join(' ', scopes)}{(expiresAt is null ? "" : $", expiring {expiresAt:u}")}; secret (shown once): {secret}");
                return 0;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException)
            {
                Console.Error.WriteLine("veil: " + e.Message);
                return 2;
            }
        });

        project.Subcommands.Add(create);
        project.Subcommands.Add(list);
        project.Subcommands.Add(account);
        return project;
    }

    /// <summary>An ISO 8601 date-time, or a duration from now: 90d, 12h, 30m.</summary>
    private static DateTimeOffset? ParseExpiry(string? text, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        text = text.Trim();
        if (text.Length >= 2 && int.TryParse(text[..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            switch (text[^1])
            {
                case 'd': return now.AddDays(amount);
                case 'h': return now.AddHours(amount);
                case 'm': return now.AddMinutes(amount);
            }
        }
        if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var at)) return at;
        throw new ArgumentException($"--expires {text}: use an ISO 8601 date-time or a duration such as 90d, 12h or 30m.");
    }

    private static OpenDirectory Open(string dataDirectory, string? keyFile)
    {
        Directory.CreateDirectory(dataDirectory);
        var masterKey = MasterKeySource.Resolve(keyFile, dataDirectory);
        var metadata = SqliteMetadataStore.Open(VeilPaths.MetadataFile(dataDirectory));
        return new OpenDirectory(metadata, new ProjectDirectory(metadata, masterKey));
    }

    private sealed class OpenDirectory(SqliteMetadataStore metadata, ProjectDirectory projects) : IDisposable
    {
        public ProjectDirectory Projects { get; } = projects;
        public void Dispose() => metadata.Dispose();
    }
}
