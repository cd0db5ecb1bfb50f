namespace Veil.Security.Ledger;

/// <summary>One person to notify: the pseudonym and the contact address from the vault (null when the vault has none).</summary>
public sealed record NotificationContact(int? Project, string Pseudonym, string? Email);
