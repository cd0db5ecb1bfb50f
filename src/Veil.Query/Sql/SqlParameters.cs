namespace Veil.Query.Sql;

/// <summary>Collects parameter values while a planner writes SQL; every value from a query goes through here, never into the text.</summary>
public sealed class SqlParameters
{
    private readonly List<KeyValuePair<string, object?>> _values = [];

    /// <summary>Adds a value and returns its placeholder (<c>$p0</c>, <c>$p1</c>, …).</summary>
    public string Add(object? value)
    {
        var name = "p" + _values.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // Instants are UTC wall-clock values for TIMESTAMP columns: a DateTime of kind Utc would bind as TIMESTAMPTZ and
        // make every row convert through the session time zone (slow, and wrong on a server not set to UTC).
        if (value is DateTime time) value = DateTime.SpecifyKind(time, DateTimeKind.Unspecified);
        _values.Add(new(name, value));
        return "$" + name;
    }

    /// <summary>The statement for <paramref name="text"/> with the values added so far.</summary>
    public SqlStatement Build(string text) => new(text, _values.ToArray());
}
