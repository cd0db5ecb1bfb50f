namespace Veil.Load;

/// <summary>A run's parsed command line.</summary>
internal sealed record LoadSettings
{
    public required Uri Url { get; init; }
    public string? CaPemPath { get; init; }
    public string? Token { get; init; }
    public string? Secret { get; init; }
    public required WireFormat Format { get; init; }
    public required int Connections { get; init; }
    public required TimeSpan Duration { get; init; }
    public required TimeSpan Warmup { get; init; }
    public required double Rate { get; init; }
    public required int Batch { get; init; }
    public int? Events { get; init; }
    public required int Seed { get; init; }
    public required TimeSpan Timeout { get; init; }
    public required string Label { get; init; }
    public int? ServerPid { get; init; }
    public FileInfo? AckedFile { get; init; }

    /// <summary>A message naming the first bad option, or null.</summary>
    public string? Validate()
    {
        if (Connections is < 1 or > 4096) return "--connections must be between 1 and 4096.";
        if (Duration <= TimeSpan.Zero) return "--duration must be positive.";
        if (Rate < 0) return "--rate must be 0 (flat out) or a positive events/s.";
        if (Batch < 1 || Batch > Format.MaxBatch()) return $"--batch for {Format.Name()} must be between 1 and {Format.MaxBatch()}.";
        if (Events is < 1) return "--events must be positive.";
        if (Format is WireFormat.Import or WireFormat.Ndjson && string.IsNullOrEmpty(Secret)) return $"{Format.Name()} needs --secret.";
        if (Format is WireFormat.TrackBatch or WireFormat.TrackGet or WireFormat.Native && string.IsNullOrEmpty(Token)) return $"{Format.Name()} needs --token.";
        if (CaPemPath is not null && !File.Exists(CaPemPath)) return $"--ca {CaPemPath} does not exist.";
        if (Url.Scheme is not ("http" or "https")) return "--url must be http:// or https://.";
        return null;
    }

    /// <summary>
    /// How many events to pre-generate: enough for the whole schedule at a target rate (up to 2 million); flat out, a
    /// pool of a few hundred thousand, which later passes re-send with fresh insert ids.
    /// </summary>
    public int EventPoolSize()
    {
        if (Events is { } events) return events;
        if (Rate > 0) return (int)Math.Clamp(Math.Ceiling(Rate * (Duration + Warmup).TotalSeconds * 1.02) + Batch, Batch, 2_000_000);
        return Format switch
        {
            WireFormat.TrackGet => 100_000,
            WireFormat.TrackBatch => 300_000,
            _ => 500_000,
        };
    }
}
