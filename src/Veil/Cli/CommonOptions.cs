using System.CommandLine;
using Veil.Hosting;

namespace Veil.Cli;

/// <summary>Options several commands share.</summary>
internal static class CommonOptions
{
    public static Option<string> Data(string? defaultValue = null)
    {
        var option = new Option<string>("--data")
        {
            Description = "The data directory (events, WAL, metadata). Holds no keys and no plaintext personal data.",
            Required = defaultValue is null,
        };
        if (defaultValue is not null) option.DefaultValueFactory = _ => defaultValue;
        return option;
    }

    public static Option<string?> KeyFile() => new("--key-file")
    {
        Description = $"File holding the base64 master key (outside the data directory). Default: ${MasterKeySource.EnvironmentVariable}.",
    };

    public static Option<bool> Json() => new("--json") { Description = "Print machine-readable JSON." };
}
