namespace Veil.Storage.Dedup;

/// <summary>What the dedup index knows about an event's key.</summary>
internal enum DedupVerdict
{
    /// <summary>Certainly not stored and not seen in this apply: recorded as new.</summary>
    New,

    /// <summary>Already seen in this apply: a duplicate.</summary>
    Duplicate,

    /// <summary>Maybe stored (the filter cannot tell): ask the store, then <see cref="DedupIndex.AddUnsure"/>.</summary>
    Unsure,
}
