namespace Veil.Core.Privacy.Pii;

/// <summary>
/// One top-level object being scrubbed property by property (see <see cref="PiiJsonScrubber.StartSession"/>): the
/// property path and pooled buffers, hits and vault items so far, and the names already used by renamed properties.
/// Dispose it when the object is done (after <see cref="PiiJsonScrubber.Finish"/>); it is not used after that.
/// </summary>
public sealed class PiiScrubSession : IDisposable
{
    // One idle session per thread: the pipeline opens one per event, and reusing it saves its state and buffers.
    [ThreadStatic] private static PiiScrubSession? t_idle;

    private PiiScrubSession(PiiJsonScrubber.ScrubState state) => State = state;

    internal PiiJsonScrubber.ScrubState State { get; }

    internal HashSet<string>? Renamed { get; set; }

    internal bool IsClosed { get; private set; }

    internal static PiiScrubSession Open()
    {
        var session = t_idle;
        if (session is null) return new PiiScrubSession(new PiiJsonScrubber.ScrubState());
        t_idle = null;
        session.IsClosed = false;
        return session;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (IsClosed) return;
        IsClosed = true;
        Renamed = null;
        if (State.TryReset() && t_idle is null) t_idle = this;
        else State.Dispose();
    }
}
