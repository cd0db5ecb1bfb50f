namespace Veil.Core.Identity;

/// <summary>What <see cref="IdentityGraph.Apply(int, IdentityMerge)"/> did with a merge.</summary>
public enum IdentityMergeOutcome : byte
{
    /// <summary>The two ids are now one person.</summary>
    Merged = 0,

    /// <summary>They already were.</summary>
    AlreadyMerged = 1,

    /// <summary>Refused: the anonymous id already belongs to another identified person (two users never merge this way).</summary>
    ConflictingUser = 2,

    /// <summary>Refused: an alias may point at one person only, and this one already does.</summary>
    AliasTaken = 3,

    /// <summary>Refused: the merged person would have more ids than <see cref="IdentityGraph.MaxIdsPerPerson"/>.</summary>
    TooManyIds = 4,
}
