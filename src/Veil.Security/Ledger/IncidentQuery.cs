using System.Net;

namespace Veil.Security.Ledger;

/// <summary>Which accesses an incident report covers: one credential, one principal or one network, within a time range.</summary>
public sealed record IncidentQuery
{
    /// <summary>Accesses with this credential.</summary>
    public string? Credential { get; init; }

    /// <summary>Accesses by this principal.</summary>
    public string? Principal { get; init; }

    /// <summary>Accesses from this network.</summary>
    public IPNetwork? Network { get; init; }

    /// <summary>Inclusive start.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Exclusive end.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Only entries about this project (the HTTP API's scope: a project's owner or auditor sees their project).</summary>
    public int? Project { get; init; }

    /// <summary>What the query selects, in words.</summary>
    public string Describe()
    {
        var who = Credential is not null ? $"credential {Credential}" : Principal is not null ? $"principal {Principal}" : $"network {Network}";
        var from = From is { } f ? f.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "the start of the ledger";
        var to = To is { } t ? t.UtcDateTime.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "now";
        var project = Project is { } p ? $" in project {p.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "";
        return $"{who}{project}, from {from} to {to}";
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless exactly one of credential, principal and network is set.</summary>
    public void Validate()
    {
        var set = (Credential is null ? 0 : 1) + (Principal is null ? 0 : 1) + (Network is null ? 0 : 1);
        if (set != 1) throw new ArgumentException("Give exactly one of --credential, --principal or --ip.");
        if (From is { } f && To is { } t && t <= f) throw new ArgumentException("--to must be after --from.");
    }
}
