namespace Veil.Core.Privacy.Pii;

/// <summary>A property value the policy routes to the identity vault: its path in the object (<c>address.email</c>, <c>items[2].phone</c>) and its original text.</summary>
public sealed record PiiVaultItem(string Path, string Value);
