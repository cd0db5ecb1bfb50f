using Veil.Core.Privacy;
using Veil.Storage.Metadata;

namespace Veil.Projects;

/// <summary>A project with its keys unwrapped in memory, ready for the ingestion pipeline.</summary>
public sealed class ProjectContext(ProjectRecord record, ProjectPrivacy privacy, VaultCipher vault)
{
    public ProjectRecord Record { get; } = record;
    public ProjectPrivacy Privacy { get; } = privacy;
    /// <summary>Seals and opens this project's identity vault entries (holds the unwrapped key-encryption key).</summary>
    public VaultCipher Vault { get; } = vault;
    public int Id => Record.Id;
}
