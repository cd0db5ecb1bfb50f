namespace Veil.Query;

/// <summary>A query that cannot run as written; the message names the field and what is wrong (shown to the user as a 400).</summary>
public sealed class QueryValidationException(string message) : Exception(message);
