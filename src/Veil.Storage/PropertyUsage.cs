namespace Veil.Storage;

/// <summary>A free property name seen in a project's stored events, and in how many events.</summary>
public readonly record struct PropertyUsage(string Name, long Events);
