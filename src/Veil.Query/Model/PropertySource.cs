namespace Veil.Query.Model;

/// <summary>Where a property is read: the event itself or the person's current profile.</summary>
public enum PropertySource
{
    Event,
    Profile,
}
