namespace Veil.Demo;

/// <summary>A demo user's device and place exactly as an SDK would report them, before minimisation.</summary>
public sealed record RawDeviceProfile(string DeviceId, string Browser, string BrowserVersion, string Os, int Width, int Height, string Country, string Region, string City);
