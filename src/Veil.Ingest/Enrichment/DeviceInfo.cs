namespace Veil.Ingest.Enrichment;

/// <summary>
/// What Veil keeps of a user agent (promise 2): browser and OS family with their major version, and a coarse device
/// class (one of <see cref="DeviceTypes"/>). The user-agent string itself is dropped.
/// </summary>
/// <param name="BrowserFamily">uap-core's family, e.g. <c>Chrome</c>, <c>Mobile Safari</c>, <c>Googlebot</c>; <c>Other</c> when unknown.</param>
/// <param name="BrowserMajor">Major version when it is a number.</param>
/// <param name="OsFamily">uap-core's OS family, e.g. <c>Windows</c>, <c>Mac OS X</c>, <c>iOS</c>; <c>Other</c> when unknown.</param>
/// <param name="OsMajor">Major OS version as written (<c>10</c>, <c>17</c>, sometimes not a number).</param>
/// <param name="DeviceType">One of <see cref="DeviceTypes"/>.</param>
public sealed record DeviceInfo(string BrowserFamily, int? BrowserMajor, string OsFamily, string? OsMajor, string DeviceType)
{
    /// <summary>What an absent or unrecognised user agent gives.</summary>
    public static DeviceInfo Unknown { get; } = new("Other", null, "Other", null, DeviceTypes.Other);
}
