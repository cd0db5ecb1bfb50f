namespace Veil.Endpoints;

/// <summary>A project's time zone as the settings API reads and writes it.</summary>
public sealed record TimeZoneBody(string? Timezone);
