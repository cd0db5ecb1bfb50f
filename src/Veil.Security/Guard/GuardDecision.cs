namespace Veil.Security.Guard;

/// <summary>The guard's answer for one read: allowed (and charged), or denied with the reason to show.</summary>
public sealed record GuardDecision(bool Allowed, string? Reason)
{
    /// <summary>Allowed and charged to the budgets.</summary>
    public static GuardDecision Allow { get; } = new(true, null);
}
