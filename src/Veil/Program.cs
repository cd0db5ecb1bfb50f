using Veil.Cli;

return await VeilCli.RunAsync(args);
