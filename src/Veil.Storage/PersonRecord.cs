using Veil.Core.Privacy;

namespace Veil.Storage;

/// <summary>
/// A person as the store knows them: the canonical pseudonym, every distinct id merged into it, and the current non-PII
/// profile (null properties when no profile exists).
/// </summary>
public sealed record PersonRecord(
    Pseudonym Person,
    IReadOnlyList<Pseudonym> Ids,
    bool Identified,
    string? PropertiesJson,
    DateTime? CreatedAt,
    DateTime? LastSeen,
    long EventCount);
