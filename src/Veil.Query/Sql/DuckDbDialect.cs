using Veil.Query.Model;

namespace Veil.Query.Sql;

/// <summary>DuckDB's SQL (1.5): ICU time zones, JSON functions with parameter paths, RE2 regular expressions.</summary>
public sealed class DuckDbDialect : SqlDialect
{
    public static readonly DuckDbDialect Instance = new();

    public override string LocalTime(string utcTimestamp, string zoneParameter) =>
        $"(({utcTimestamp} AT TIME ZONE 'UTC') AT TIME ZONE {zoneParameter})";

    public override string Truncate(Interval interval, string localTimestamp) => interval switch
    {
        Interval.Minute => $"date_trunc('minute', {localTimestamp})",
        Interval.Hour => $"date_trunc('hour', {localTimestamp})",
        Interval.Day => $"date_trunc('day', {localTimestamp})",
        Interval.Week => $"date_trunc('week', {localTimestamp})",
        Interval.Month => $"date_trunc('month', {localTimestamp})",
        _ => NullTimestamp,
    };

    public override string NullTimestamp => "CAST(NULL AS TIMESTAMP)";

    public override string JsonText(string jsonColumn, string pathParameter) => $"json_extract_string({jsonColumn}, {pathParameter})";

    public override string JsonNumber(string jsonColumn, string pathParameter) => $"TRY_CAST(json_extract({jsonColumn}, {pathParameter}) AS DOUBLE)";

    public override string JsonStrings(string jsonColumn, string pathLiteral) =>
        $"(CASE json_type({jsonColumn}, {pathLiteral}) WHEN 'VARCHAR' THEN [json_extract_string({jsonColumn}, {pathLiteral})] "
        + $"WHEN 'ARRAY' THEN list_transform(list_filter(CAST(json_extract({jsonColumn}, {pathLiteral}) AS JSON[]), lambda x: json_type(x) = 'VARCHAR'), lambda x: json_extract_string(x, '$')) END)";

    public override string CountDistinctInLists(string listExpression) => $"coalesce(length(list_distinct(flatten(list({listExpression})))), 0)";

    public override string ToText(string expression) => $"CAST({expression} AS VARCHAR)";

    public override string TextToNumber(string expression) => $"TRY_CAST({expression} AS DOUBLE)";

    public override string ToDouble(string expression) => $"CAST({expression} AS DOUBLE)";

    public override string ContainsIgnoreCase(string text, string valueParameter) => $"(strpos(lower({text}), lower({valueParameter})) > 0)";

    public override string RegexMatch(string text, string patternParameter) => $"regexp_matches({text}, {patternParameter})";

    public override string Percentile(string expression, string fractionParameter) => $"quantile_cont({expression}, {fractionParameter})";

    public override string Latest(string value, string order) => $"arg_max({value}, {order})";

    // arg_min skips rows whose value is NULL; arg_min_null keeps them (a NULL breakdown value is a value).
    public override string ValueAtMin(string value, string order) => $"arg_min_null({value}, {order})";

    public override string MinTuple(IEnumerable<(string Name, string Expression)> fields) =>
        "min(struct_pack(" + string.Join(", ", fields.Select(f => $"{f.Name} := {f.Expression}")) + "))";

    public override string Field(string pair, string field) => $"({pair}).{field}";

    public override string AddSeconds(string timestamp, string secondsParameter) => $"({timestamp} + to_seconds(CAST({secondsParameter} AS BIGINT)))";

    public override string BucketsBetween(Interval unit, string from, string to) => unit switch
    {
        Interval.Week => $"(date_diff('day', {from}, {to}) // 7)",
        Interval.Month => $"date_diff('month', {from}, {to})",
        _ => $"date_diff('day', {from}, {to})",
    };

    public override string SecondsBetween(string from, string to) => $"((epoch_ms({to}) - epoch_ms({from})) / 1000.0)";
}
