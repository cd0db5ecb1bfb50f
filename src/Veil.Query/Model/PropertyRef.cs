namespace Veil.Query.Model;

/// <summary>
/// A property by name. Event properties named like Mixpanel's built-ins (<c>$browser</c>, <c>$country_code</c>, …)
/// read the store's own columns (see <see cref="BuiltInProperties"/>); every other name reads the free JSON properties.
/// </summary>
public sealed record PropertyRef(string Name, PropertySource Source = PropertySource.Event);
