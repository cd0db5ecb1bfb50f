using Veil.Hosting;
using Veil.Storage;
using Veil.Storage.DuckDb;
using Veil.Storage.Sqlite;

namespace Veil.Cli;

/// <summary>
/// A project's metadata and event store opened from a data directory no server is running on, for offline commands.
/// Opening it checks, in order, that the directory holds Veil data, that the project exists and that no server holds
/// the store, and tells the user what to do when one fails.
/// </summary>
internal sealed class OfflineProject : IDisposable
{
    private OfflineProject(SqliteMetadataStore metadata, IEventStore store)
    {
        Metadata = metadata;
        Store = store;
    }

    public SqliteMetadataStore Metadata { get; }

    public IEventStore Store { get; }

    /// <summary>The opened project, or null after printing why not (<paramref name="ifRunning"/> says what to do when a server holds the store).</summary>
    public static OfflineProject? Open(string dataDirectory, int projectId, string ifRunning)
    {
        if (!File.Exists(VeilPaths.MetadataFile(dataDirectory)))
        {
            Console.Error.WriteLine($"veil: {dataDirectory} holds no Veil data.");
            return null;
        }
        var metadata = SqliteMetadataStore.Open(VeilPaths.MetadataFile(dataDirectory));
        if (metadata.FindProject(projectId) is null)
        {
            metadata.Dispose();
            Console.Error.WriteLine($"veil: there is no project {projectId} (see `veil project list`).");
            return null;
        }
        if (OpenStore(dataDirectory, ifRunning) is not { } store)
        {
            metadata.Dispose();
            return null;
        }
        return new OfflineProject(metadata, store);
    }

    /// <summary>The event store alone, or null after printing <paramref name="ifRunning"/> when a server holds it.</summary>
    public static IEventStore? OpenStore(string dataDirectory, string ifRunning)
    {
        try
        {
            return DuckDbEventStore.Open(VeilPaths.EventsFile(dataDirectory));
        }
        catch (StoreInUseException)
        {
            Console.Error.WriteLine($"veil: a Veil server is running on {dataDirectory}; {ifRunning}");
            return null;
        }
    }

    public void Dispose()
    {
        Store.Dispose();
        Metadata.Dispose();
    }
}
