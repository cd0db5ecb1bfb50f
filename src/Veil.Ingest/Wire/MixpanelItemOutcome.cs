namespace Veil.Ingest.Wire;

/// <summary>What validation decided for one item.</summary>
public enum MixpanelItemOutcome
{
    /// <summary>Valid; store it.</summary>
    Accepted,
    /// <summary>Valid but silently dropped, as Mixpanel does (a <c>/track</c> event older than 5 days).</summary>
    Skipped,
    /// <summary>Invalid; reported back as an <see cref="ItemError"/>.</summary>
    Rejected,
}
