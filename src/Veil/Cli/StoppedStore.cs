using Veil.Hosting;
using Veil.Storage;
using Veil.Storage.DuckDb;

namespace Veil.Cli;

/// <summary>Opens the event store of a data directory no server is running on, for offline reports.</summary>
internal static class StoppedStore
{
    /// <summary>The store, or null after telling the user what to do (<paramref name="ifRunning"/>) when a server holds it.</summary>
    public static IEventStore? Open(string dataDirectory, string ifRunning)
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
}
