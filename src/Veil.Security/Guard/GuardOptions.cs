namespace Veil.Security.Guard;

/// <summary>Exfiltration guard settings, with defaults that leave normal analysis alone and stop bulk harvesting.</summary>
public sealed class GuardOptions
{
    /// <summary>Per credential (API key, service account, session).</summary>
    public Budget Credential { get; set; } = new(PersonsPerHour: 1_000, PersonsPerDay: 5_000, RowsPerHour: 100_000);

    /// <summary>Per principal, over all its credentials.</summary>
    public Budget Principal { get; set; } = new(PersonsPerHour: 2_000, PersonsPerDay: 10_000, RowsPerHour: 200_000);

    /// <summary>A principal's hour is a spike when its distinct persons exceed this multiple of its usual busy hour.</summary>
    public double SpikeFactor { get; set; } = 10;

    /// <summary>Hours below this many distinct persons never count as a spike.</summary>
    public int SpikeMinimumPersons { get; set; } = 100;

    /// <summary>Active hours of history needed before spikes are judged.</summary>
    public int SpikeMinimumHistoryHours { get; set; } = 8;

    /// <summary>How far back the principal's history reaches.</summary>
    public TimeSpan History { get; set; } = TimeSpan.FromDays(14);
}
