using DuckDB.NET.Data;

namespace Veil.Tests.Http;

/// <summary>
/// A test server shut down so its files can be read as they lie on disk: the DuckDB file (only one owner at a time,
/// so it is opened only after the server let go) and every file in the data directory. Disposing deletes them.
/// </summary>
internal sealed class StoppedServer : IDisposable
{
    private readonly DuckDBConnection _events;
    private readonly string _root;
    private List<(string File, byte[] Bytes)>? _files;

    private StoppedServer(VeilTestServer server, DuckDBConnection events)
    {
        _root = server.Root;
        DataDirectory = server.DataDirectory;
        _events = events;
    }

    public string DataDirectory { get; }

    /// <summary>Stops the server (flushing the WAL and closing the store), then opens its event store.</summary>
    public static async Task<StoppedServer> StopAsync(VeilTestServer server)
    {
        await server.CaughtUpAsync();
        // Not server.DisposeAsync(): that would delete the files this class is here to read.
        await server.Server.DisposeAsync();
        var connection = new DuckDBConnection($"Data Source={Path.Combine(server.DataDirectory, "events.duckdb")}");
        connection.Open();
        return new StoppedServer(server, connection);
    }

    /// <summary>Runs a read query; each row as its column values (DBNull as null).</summary>
    public List<object?[]> Query(string sql)
    {
        using var command = _events.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Every file under the data directory with the first offset of <paramref name="needle"/> in it, and the bytes around it.</summary>
    public IEnumerable<(string File, long Offset, string Context)> FindBytes(byte[] needle)
    {
        _files ??= Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories)
            .Select(f => (Path.GetRelativePath(DataDirectory, f), File.ReadAllBytes(f))).ToList();
        foreach (var (file, bytes) in _files)
        {
            var at = bytes.AsSpan().IndexOf(needle);
            if (at >= 0)
            {
                var from = Math.Max(0, at - 80);
                var around = bytes.AsSpan(from, Math.Min(bytes.Length, at + needle.Length + 80) - from);
                yield return (file, at, new string(System.Text.Encoding.Latin1.GetString(around).Select(c => c is >= ' ' and <= '~' ? c : '.').ToArray()));
            }
        }
    }

    /// <summary>The names of the files <see cref="FindBytes"/> looks in.</summary>
    public IEnumerable<string> Files => Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(DataDirectory, f));

    public void Dispose()
    {
        _events.Dispose();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
