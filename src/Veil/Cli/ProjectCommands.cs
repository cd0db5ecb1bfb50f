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

        var account = new Command("service-account", "Create a service account (username + secret) for a project's /import and read API.");
        var accountData = CommonOptions.Data();
        var accountKey = CommonOptions.KeyFile();
        var accountJson = CommonOptions.Json();
        var projectId = new Option<int>("--project") { Description = "The project id.", Required = true };
        var username = new Option<string>("--username") { Description = "The service account's username.", Required = true };
        account.Options.Add(accountData);
        account.Options.Add(accountKey);
        account.Options.Add(projectId);
        account.Options.Add(username);
        account.Options.Add(accountJson);
        account.SetAction(parse =>
        {
            using var directory = Open(parse.GetValue(accountData)!, parse.GetValue(accountKey));
            try
            {
                var secret = directory.Projects.CreateServiceAccount(parse.GetValue(projectId), parse.GetValue(username)!);
                if (parse.GetValue(accountJson)) Console.WriteLine(JsonSerializer.Serialize(new { username = parse.GetValue(username), secret }));
                else Console.WriteLine($"Service account {parse.GetValue(username)} created; secret (shown once): {secret}");
                return 0;
            }
            catch (InvalidOperationException e)
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
