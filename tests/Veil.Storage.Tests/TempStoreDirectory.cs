namespace Veil.Storage.Tests;

/// <summary>A fresh directory for one test's store files, deleted afterwards.</summary>
internal sealed class TempStoreDirectory : IDisposable
{
    public TempStoreDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "veil-store-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string StoreFile => System.IO.Path.Combine(Path, "events.duckdb");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A killed child may still be releasing the file; the OS temp cleaner gets it later.
        }
    }
}
