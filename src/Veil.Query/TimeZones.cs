using Veil.Query.Model;
using Veil.Query.Results;

namespace Veil.Query;

/// <summary>Time zone lookup and local-day arithmetic shared by every engine, so range bounds never differ between them.</summary>
public static class TimeZones
{
    /// <summary>Longest range a report may cover.</summary>
    public const int MaxDays = 3700;

    /// <summary>The IANA zone, or a validation error naming it.</summary>
    public static TimeZoneInfo Find(string id)
    {
        if (id.Length is 0 or > 64 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '/' or '_' or '-' or '+')))
        {
            throw new QueryValidationException($"`timezone` must be an IANA time zone name such as \"Europe/Berlin\", got \"{Truncate(id)}\".");
        }
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new QueryValidationException($"`timezone`: unknown time zone \"{id}\".");
        }
    }

    /// <summary>Resolves <paramref name="range"/> in the zone at <paramref name="nowUtc"/>.</summary>
    public static ResolvedRange Resolve(DateRange range, string zoneId, DateTime nowUtc)
    {
        var zone = Find(zoneId);
        DateOnly first, last;
        if (range.LastDays is { } days)
        {
            if (days is < 1 or > MaxDays) throw new QueryValidationException($"`dateRange.last` must be 1-{MaxDays} days, got {days}.");
            var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(nowUtc, DateTimeKind.Utc), zone));
            first = today.AddDays(1 - days);
            last = today;
        }
        else if (range.From is { } from && range.To is { } to)
        {
            if (to < from) throw new QueryValidationException($"`dateRange.to` ({to:yyyy-MM-dd}) is before `dateRange.from` ({from:yyyy-MM-dd}).");
            if (to.DayNumber - from.DayNumber >= MaxDays) throw new QueryValidationException($"`dateRange` covers more than {MaxDays} days.");
            if (from.Year < 1971 || to.Year > 9998) throw new QueryValidationException("`dateRange` must lie between 1971 and 9998.");
            first = from;
            last = to;
        }
        else
        {
            throw new QueryValidationException("`dateRange` needs `from` and `to` (YYYY-MM-DD) or `last` (days).");
        }
        return new ResolvedRange(zoneId, zone, first, last, LocalMidnightToUtc(first, zone), LocalMidnightToUtc(last.AddDays(1), zone));
    }

    /// <summary>UTC instant of a local midnight; a midnight skipped by DST moves to the first valid local time, an ambiguous one takes its earlier instant.</summary>
    public static DateTime LocalMidnightToUtc(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(15);
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return DateTime.SpecifyKind(local - offset, DateTimeKind.Utc);
    }

    /// <summary>Local start of the bucket holding <paramref name="utc"/> (null for <see cref="Interval.Total"/>).</summary>
    public static DateTime? Bucket(DateTime utc, TimeZoneInfo zone, Interval interval)
    {
        if (interval == Interval.Total) return null;
        var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
        return Truncate(local, interval);
    }

    /// <summary>Start of the bucket holding a local time (weeks start on Monday).</summary>
    public static DateTime Truncate(DateTime local, Interval interval)
    {
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        return interval switch
        {
            Interval.Minute => new DateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, 0),
            Interval.Hour => new DateTime(local.Year, local.Month, local.Day, local.Hour, 0, 0),
            Interval.Day => local.Date,
            Interval.Week => local.Date.AddDays(-(((int)local.DayOfWeek + 6) % 7)),
            Interval.Month => new DateTime(local.Year, local.Month, 1),
            _ => throw new ArgumentOutOfRangeException(nameof(interval)),
        };
    }

    private static string Truncate(string s) => s.Length > 64 ? s[..64] + "…" : s;
}
