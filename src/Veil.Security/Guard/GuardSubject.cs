namespace Veil.Security.Guard;

/// <summary>What a budget or suspension applies to.</summary>
public enum GuardSubject
{
    /// <summary>One credential.</summary>
    Credential,

    /// <summary>One principal (account), with all its sessions and credentials.</summary>
    Principal,
}
