namespace Veil.Ingest.Wire;

/// <summary>
/// Why one event or profile update of a request was rejected; the shape of an <c>/import</c> <c>failed_records</c> entry.
/// </summary>
/// <param name="Index">Position of the item in the request (array index or NDJSON item number), from 0.</param>
/// <param name="InsertId">The item's <c>$insert_id</c> when it had a readable one.</param>
/// <param name="Field">The offending field, e.g. <c>properties.time</c>, <c>event</c>, <c>$set.plan</c>; <c>item</c> for the whole item.</param>
/// <param name="Message">What is wrong, for a developer; names the field and, where short, the value.</param>
public sealed record ItemError(int Index, string? InsertId, string Field, string Message)
{
    /// <summary>The message prefixed with the item's position, e.g. <c>event 17: `properties.time` must be …</c>.</summary>
    public string Describe(string noun = "event") => $"{noun} {Index}: {Message}";
}
