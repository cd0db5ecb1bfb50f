namespace Veil.Security.Ledger;

/// <summary>What left one project: exact distinct persons, rows and accesses.</summary>
public sealed record IncidentProject(int? Project, int Persons, long Rows, long Accesses);
