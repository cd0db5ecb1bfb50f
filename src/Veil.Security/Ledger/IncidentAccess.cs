namespace Veil.Security.Ledger;

/// <summary>One access in an incident's timeline.</summary>
public sealed record IncidentAccess(long Index, DateTimeOffset Time, string Principal, string Credential, string ClientIp, string Action,
    int? Project, string Query, long Rows, int Persons);
