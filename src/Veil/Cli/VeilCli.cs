using System.CommandLine;
using Veil.Hosting;

namespace Veil.Cli;

/// <summary>The `veil` command line: a thin layer over the libraries.</summary>
public static class VeilCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Veil: self-hosted product analytics that keeps your users' data safe.")
        {
            ServeCommand.Create(),
            DemoCommand.Create(),
            ProjectCommands.Create(),
            KeysCommands.Create(),
            InventoryCommand.Create(),
            PrivacyCommands.Create(),
            QueryCommands.Create(),
            LedgerCommands.Create(),
            IncidentCommands.Create(),
        };
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (StartupException e)
        {
            await Console.Error.WriteLineAsync("veil: " + e.Message);
            return 2;
        }
    }
}
