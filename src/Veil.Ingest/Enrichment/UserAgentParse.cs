namespace Veil.Ingest.Enrichment;

/// <summary>uap-core's raw answer for one user agent, before Veil reduces it to a <see cref="DeviceInfo"/>.</summary>
internal readonly record struct UserAgentParse(
    string BrowserFamily,
    string? BrowserMajor,
    string OsFamily,
    string? OsMajor,
    string DeviceFamily,
    string? DeviceBrand,
    string? DeviceModel);
