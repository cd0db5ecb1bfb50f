namespace Veil.Ingest.Enrichment;

/// <summary>The coarse device classes <see cref="UserAgentClassifier"/> reports in <see cref="DeviceInfo.DeviceType"/>.</summary>
public static class DeviceTypes
{
    public const string Desktop = "desktop";
    public const string Mobile = "mobile";
    public const string Tablet = "tablet";

    /// <summary>Crawlers, monitors, link previewers and headless browsers.</summary>
    public const string Bot = "bot";

    /// <summary>Anything else: TVs, consoles, watches, HTTP libraries, unknown strings.</summary>
    public const string Other = "other";
}
