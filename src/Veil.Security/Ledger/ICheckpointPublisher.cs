namespace Veil.Security.Ledger;

/// <summary>Pushes signed checkpoints somewhere outside Veil's control, so history cannot be rewritten unnoticed.</summary>
public interface ICheckpointPublisher
{
    /// <summary>Publishes one checkpoint.</summary>
    Task PublishAsync(SignedCheckpoint checkpoint, CancellationToken cancellationToken);
}
