namespace Veil.Query.Model;

/// <summary>
/// Options the caller's role sets, not the query author: <see cref="MinimumPersons"/> (k) suppresses every result cell
/// counting fewer than k distinct persons (null or 1 = no threshold).
/// </summary>
public sealed record QueryOptions(int? MinimumPersons = null)
{
    public static readonly QueryOptions None = new();
}
