namespace Veil.Query.Model;

/// <summary>
/// The days a report covers, in the query's time zone: absolute (<see cref="From"/>..<see cref="To"/>, inclusive) or
/// relative (the last <see cref="LastDays"/> days, today included).
/// </summary>
public sealed record DateRange(DateOnly? From, DateOnly? To, int? LastDays)
{
    public static DateRange Absolute(DateOnly from, DateOnly to) => new(from, to, null);

    public static DateRange Last(int days) => new(null, null, days);
}
