using Veil.Core.Privacy;
using Veil.Storage.Metadata;

namespace Veil.Projects;

/// <summary>A project with its keys unwrapped in memory, ready for the ingestion pipeline.</summary>
public sealed class ProjectContext(ProjectRecord record, ProjectPrivacy privacy)
{
    public ProjectRecord Record { get; } = record;
    public ProjectPrivacy Privacy { get; } = privacy;
    public int Id => Record.Id;
}
