using System.Globalization;

namespace Veil.Security.Ledger;

/// <summary>The checkpoints Veil signed, one note file each (&lt;size&gt;.note) in a directory beside the ledger.</summary>
public sealed class CheckpointStore(string directory)
{
    /// <summary>The directory.</summary>
    public string Directory { get; } = directory;

    /// <summary>Stores <paramref name="checkpoint"/> durably (write, fsync, rename).</summary>
    public void Save(SignedCheckpoint checkpoint)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var path = Path.Combine(Directory, checkpoint.Checkpoint.Size.ToString("D20", CultureInfo.InvariantCulture) + ".note");
        var temp = path + ".tmp";
        using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write))
        {
            file.Write(System.Text.Encoding.UTF8.GetBytes(checkpoint.Note));
            file.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Every stored note, oldest size first, with its file name.</summary>
    public IEnumerable<(string File, string Note)> All()
    {
        if (!System.IO.Directory.Exists(Directory)) yield break;
        foreach (var file in System.IO.Directory.EnumerateFiles(Directory, "*.note").Order(StringComparer.Ordinal))
        {
            yield return (file, File.ReadAllText(file));
        }
    }
}
