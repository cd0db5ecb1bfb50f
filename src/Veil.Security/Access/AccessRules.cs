namespace Veil.Security.Access;

/// <summary>The one table of who may do what: roles and scopes to permissions, step-up and MFA requirements.</summary>
public static class AccessRules
{
    /// <summary>The smallest k for the k-threshold: operators may raise it, never lower it.</summary>
    public const int MinimumKThreshold = 5;

    /// <summary>How recent a step-up must be for <see cref="NeedsStepUp"/> permissions.</summary>
    public static readonly TimeSpan StepUpWindow = TimeSpan.FromMinutes(5);

    public static bool RoleGrants(Role role, Permission permission) => (role, permission) switch
    {
        (Role.Owner, _) => true,
        (Role.Admin, Permission.ReadLedger) => false,
        (Role.Admin, _) => true,
        (Role.Analyst, Permission.ReadAggregate or Permission.ReadIndividual or Permission.ReadVaultPii or Permission.Export) => true,
        (Role.Viewer, Permission.ReadAggregate) => true,
        (Role.Auditor, Permission.ReadLedger) => true,
        _ => false,
    };

    /// <summary>Credentials cannot step up, so permissions that need one (vault PII, credential management) and the ledger are never granted by a scope.</summary>
    public static bool ScopesGrant(CredentialScopes scopes, Permission permission) => permission switch
    {
        Permission.Import => scopes.HasFlag(CredentialScopes.Import),
        Permission.ReadAggregate => scopes.HasFlag(CredentialScopes.ReadAggregate),
        Permission.ReadIndividual => scopes.HasFlag(CredentialScopes.ReadIndividual),
        Permission.Export => scopes.HasFlag(CredentialScopes.Export),
        Permission.Admin => scopes.HasFlag(CredentialScopes.Admin),
        _ => false,
    };

    /// <summary>For people: permissions that need a passkey or TOTP check within <see cref="StepUpWindow"/>.</summary>
    public static bool NeedsStepUp(Permission permission) => permission is Permission.ReadVaultPii or Permission.Export or Permission.ManageCredentials;

    /// <summary>Roles that can see individual-level data must have MFA before they reach anything but enrolment.</summary>
    public static bool RoleNeedsMfa(Role role) => role is Role.Owner or Role.Admin or Role.Analyst;

    /// <summary>Aggregates served to a principal who may not read individuals suppress cells under k subjects.</summary>
    public static bool AppliesKThreshold(Role? role, CredentialScopes scopes) =>
        role is { } r ? !RoleGrants(r, Permission.ReadIndividual) : !scopes.HasFlag(CredentialScopes.ReadIndividual);
}
