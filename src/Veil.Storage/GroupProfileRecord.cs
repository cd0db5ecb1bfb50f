using Veil.Core.Privacy;

namespace Veil.Storage;

/// <summary>A group's current profile (e.g. a company), keyed by group key and the group id's pseudonym.</summary>
public sealed record GroupProfileRecord(string GroupKey, Pseudonym GroupId, string PropertiesJson, DateTime CreatedAt, DateTime? LastSeen, long EventCount);
