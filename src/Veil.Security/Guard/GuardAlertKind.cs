namespace Veil.Security.Guard;

/// <summary>Why the guard raised an alert.</summary>
public enum GuardAlertKind
{
    /// <summary>A budget was crossed: the request was denied and the credential or principal suspended.</summary>
    BudgetExceeded,

    /// <summary>A principal read far more persons this hour than it usually does (under budget: alert only).</summary>
    Spike,
}
