namespace Veil.Core.Privacy.Pii;

/// <summary>What <see cref="PiiJsonScrubber.Scrub"/> did: the values the caller must store in the vault, and how many hits it acted on.</summary>
public readonly record struct PiiScrubResult(IReadOnlyList<PiiVaultItem> VaultItems, int HitCount);
