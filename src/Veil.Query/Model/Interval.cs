namespace Veil.Query.Model;

/// <summary>How an insights report buckets time (in the query's time zone); <see cref="Total"/> gives one number.</summary>
public enum Interval
{
    Total,
    Minute,
    Hour,
    Day,
    Week,
    Month,
}
