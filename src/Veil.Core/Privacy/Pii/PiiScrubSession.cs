namespace Veil.Core.Privacy.Pii;

/// <summary>
/// One top-level object being scrubbed property by property (see <see cref="PiiJsonScrubber.StartSession"/>): the
/// property path and pooled buffers, hits and vault items so far, and the names already used by renamed properties.
/// Dispose it to return its buffers.
/// </summary>
public sealed class PiiScrubSession : IDisposable
{
    internal PiiScrubSession(PiiJsonScrubber.ScrubState state) => State = state;

    internal PiiJsonScrubber.ScrubState State { get; }

    internal HashSet<string>? Renamed { get; set; }

    /// <inheritdoc />
    public void Dispose() => State.Dispose();
}
