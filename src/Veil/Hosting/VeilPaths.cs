namespace Veil.Hosting;

/// <summary>Where Veil keeps things: the data directory (events, WAL, metadata) and the config directory (keys, certificates).</summary>
public static class VeilPaths
{
    /// <summary>The user's Veil config directory, outside any data directory: <c>$VEIL_CONFIG_DIR</c> or <c>~/.config/veil</c>.</summary>
    public static string ConfigDirectory()
    {
        var explicitDir = Environment.GetEnvironmentVariable("VEIL_CONFIG_DIR");
        if (!string.IsNullOrWhiteSpace(explicitDir)) return explicitDir;
        var xdg = Environment.GetEnvironmentVariable("XDG_CONFIG_HOME");
        var baseDir = !string.IsNullOrWhiteSpace(xdg) ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config");
        return Path.Combine(baseDir, "veil");
    }

    public static string MetadataFile(string dataDirectory) => Path.Combine(dataDirectory, "meta.db");
    public static string EventsFile(string dataDirectory) => Path.Combine(dataDirectory, "events.duckdb");
    public static string WalDirectory(string dataDirectory) => Path.Combine(dataDirectory, "wal");
}
