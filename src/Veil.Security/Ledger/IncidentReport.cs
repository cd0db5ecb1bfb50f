namespace Veil.Security.Ledger;

/// <summary>What a credential, principal or network read: the facts an operator needs after an incident.</summary>
public sealed record IncidentReport
{
    /// <summary>The selection, in words.</summary>
    public required string Scope { get; init; }

    /// <summary>When the report was made.</summary>
    public required DateTimeOffset GeneratedAt { get; init; }

    /// <summary>Entries in the ledger when the report was made.</summary>
    public required long LedgerSize { get; init; }

    /// <summary>Accesses matched.</summary>
    public required long Accesses { get; init; }

    /// <summary>Rows returned in all.</summary>
    public required long Rows { get; init; }

    /// <summary>First matched access.</summary>
    public DateTimeOffset? FirstAccess { get; init; }

    /// <summary>Last matched access.</summary>
    public DateTimeOffset? LastAccess { get; init; }

    /// <summary>Field names returned, by classification.</summary>
    public required IReadOnlyDictionary<DataClassification, IReadOnlyList<string>> Fields { get; init; }

    /// <summary>Per project: exact distinct persons, rows, accesses.</summary>
    public required IReadOnlyList<IncidentProject> Projects { get; init; }

    /// <summary>Distinct persons over all projects (pseudonyms differ per project, so this is the sum).</summary>
    public int Persons => Projects.Sum(p => p.Persons);

    /// <summary>Every matched access, oldest first.</summary>
    public required IReadOnlyList<IncidentAccess> Timeline { get; init; }

    /// <summary>Every affected person, by project and pseudonym.</summary>
    public required IReadOnlyList<IncidentPerson> AffectedPersons { get; init; }

    /// <summary>Entries the index pointed to that no longer match their stored hash (the ledger is damaged).</summary>
    public IReadOnlyList<long> DamagedEntries { get; init; } = [];

    /// <summary>A plain-language disclosure statement drafted from these facts.</summary>
    public required string Disclosure { get; init; }
}
