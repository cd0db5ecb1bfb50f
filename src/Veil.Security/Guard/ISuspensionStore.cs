namespace Veil.Security.Guard;

/// <summary>Where suspensions live until an owner lifts them; the accounts system should back this with its database.</summary>
public interface ISuspensionStore
{
    /// <summary>Whether reads by <paramref name="id"/> are refused.</summary>
    bool IsSuspended(GuardSubject subject, string id);

    /// <summary>Suspends <paramref name="id"/>, with the reason shown to owners.</summary>
    void Suspend(GuardSubject subject, string id, string reason);

    /// <summary>Lifts a suspension, and remembers when: the budgets of <paramref name="id"/> count afresh from then.</summary>
    void Lift(GuardSubject subject, string id);

    /// <summary>When an owner last re-enabled <paramref name="id"/>, or null if never.</summary>
    DateTimeOffset? LastLifted(GuardSubject subject, string id);
}
