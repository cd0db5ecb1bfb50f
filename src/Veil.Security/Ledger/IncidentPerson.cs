namespace Veil.Security.Ledger;

/// <summary>An affected person: the project's pseudonym (32 hex digits), never contact data.</summary>
public sealed record IncidentPerson(int? Project, string Pseudonym);
