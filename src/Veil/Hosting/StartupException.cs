namespace Veil.Hosting;

/// <summary>A configuration problem that stops Veil from starting; the message says what to do.</summary>
public sealed class StartupException(string message) : Exception(message);
