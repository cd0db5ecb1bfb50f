namespace Veil.Core.Privacy;

/// <summary>What a user-agent string reduces to: families and major versions only. The string itself is never kept.</summary>
public sealed record CoarseDevice(string? Browser, int? BrowserMajor, string? Os, string? OsMajor, string? DeviceType);
