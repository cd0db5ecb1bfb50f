namespace Veil.Security.Ledger;

/// <summary>Writes the latest checkpoint to a file (atomically), e.g. on a mount another team or machine owns.</summary>
public sealed class FileCheckpointPublisher(string path) : ICheckpointPublisher
{
    /// <inheritdoc />
    public async Task PublishAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var temp = full + ".tmp";
        await File.WriteAllTextAsync(temp, checkpoint.Note, cancellationToken);
        File.Move(temp, full, overwrite: true);
    }
}
