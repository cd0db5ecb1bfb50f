using Veil.Load;

var root = LoadCommand.Create();
root.Subcommands.Add(BaselineCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
return await root.Parse(args).InvokeAsync();
