using Veil.Query.Model;

namespace Veil.Query.Sql;

/// <summary>
/// Everything that differs between store backends' SQL, in one place: planners write portable SQL around these
/// fragments. Arguments are SQL expressions or parameter placeholders, never query values.
/// </summary>
public abstract class SqlDialect
{
    /// <summary>
    /// A string literal for a value that has already passed a strict validator (JSON pointers of property names, IANA
    /// zone names): planners inline these so the store can plan with constants. Never used for query values.
    /// </summary>
    /// <exception cref="ArgumentException">The text holds a control character, backslash or double quote.</exception>
    public virtual string StringLiteral(string text)
    {
        if (text.Any(c => char.IsControl(c) || c is '\\' or '"')) throw new ArgumentException("Not a validated name.", nameof(text));
        return "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>Local wall-clock time of a UTC timestamp expression in the zone named by a parameter.</summary>
    public abstract string LocalTime(string utcTimestamp, string zoneParameter);

    /// <summary>Start of the bucket (weeks on Monday) holding a local timestamp.</summary>
    public abstract string Truncate(Interval interval, string localTimestamp);

    /// <summary>A NULL timestamp (the bucket of a one-number report).</summary>
    public abstract string NullTimestamp { get; }

    /// <summary>Text value at a JSON path (parameter) of a JSON column; NULL when absent or JSON null.</summary>
    public abstract string JsonText(string jsonColumn, string pathParameter);

    /// <summary>Numeric value at a JSON path: numbers, numeric strings, booleans as 1/0; otherwise NULL.</summary>
    public abstract string JsonNumber(string jsonColumn, string pathParameter);

    /// <summary>
    /// The strings at a JSON path (literal) as a list: a JSON string gives one, an array its string elements (others
    /// ignored); anything else an empty list or NULL.
    /// </summary>
    public abstract string JsonStrings(string jsonColumn, string pathLiteral);

    /// <summary>The number of distinct non-null strings over all the lists of a group (from <see cref="JsonStrings"/>).</summary>
    public abstract string CountDistinctInLists(string listExpression);

    /// <summary>An expression as text.</summary>
    public abstract string ToText(string expression);

    /// <summary>A text expression as a number, NULL when it is not one.</summary>
    public abstract string TextToNumber(string expression);

    /// <summary>An integer expression as a double.</summary>
    public abstract string ToDouble(string expression);

    /// <summary>Case-insensitive substring test.</summary>
    public abstract string ContainsIgnoreCase(string text, string valueParameter);

    /// <summary>Regular expression search (RE2 syntax).</summary>
    public abstract string RegexMatch(string text, string patternParameter);

    /// <summary>Continuous (interpolated) percentile; the fraction parameter holds a value in [0, 1].</summary>
    public abstract string Percentile(string expression, string fractionParameter);

    /// <summary>The latest value of <paramref name="value"/> by <paramref name="order"/> within a group.</summary>
    public abstract string Latest(string value, string order);

    /// <summary>
    /// <paramref name="value"/> (NULL included) on the row with the smallest <paramref name="order"/> within a group; ties
    /// pick any of the tied rows.
    /// </summary>
    public abstract string ValueAtMin(string value, string order);

    /// <summary>The smallest tuple of the fields in a group (compared field by field, in order), as one value.</summary>
    public abstract string MinTuple(IEnumerable<(string Name, string Expression)> fields);

    /// <summary>Field access on a value built by <see cref="MinTuple"/>.</summary>
    public abstract string Field(string pair, string field);

    /// <summary>Timestamp plus a whole number of seconds (parameter).</summary>
    public abstract string AddSeconds(string timestamp, string secondsParameter);

    /// <summary>Whole units (days, weeks or months) from one bucket start to a later one (both truncated to the unit).</summary>
    public abstract string BucketsBetween(Interval unit, string from, string to);

    /// <summary>Seconds between two timestamps, as a double.</summary>
    public abstract string SecondsBetween(string from, string to);
}
