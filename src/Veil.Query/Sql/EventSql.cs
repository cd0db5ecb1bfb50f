using System.Text;
using Veil.Query.Model;

namespace Veil.Query.Sql;

/// <summary>
/// Writes the SQL fragments every planner shares: the events of a project joined to their person (identity map) and,
/// when a query reads profile properties, the person's profile; property values; filters. Values become parameters.
/// </summary>
internal sealed class EventSql(SqlDialect dialect, SqlParameters parameters, int projectId, CohortContext? cohorts = null, bool insideCohort = false)
{
    public const string Person = "coalesce(m.person, e.distinct_id)";

    private readonly string _project = parameters.Add(projectId);
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);
    private bool _needsProfiles;
    private bool _needsIdentity;

    public SqlDialect Dialect => dialect;

    public SqlParameters Parameters => parameters;

    public string Project => _project;

    /// <summary>The event's resolved person (joins the identity map).</summary>
    public string PersonColumn()
    {
        _needsIdentity = true;
        return Person;
    }

    /// <summary>The FROM clause with joins; call after every expression is written (it knows whether profiles are read).</summary>
    public string From()
    {
        var sql = new StringBuilder();
        sql.Append("FROM events e\n");
        if (!_needsIdentity && !_needsProfiles) return sql.ToString();
        sql.Append($"LEFT JOIN {IdentityMap()} m ON m.member = e.distinct_id\n");
        if (_needsProfiles)
        {
            sql.Append($"LEFT JOIN (SELECT person, {dialect.Latest("properties", "updated_lsn")} AS properties FROM profiles WHERE project_id = {_project} GROUP BY person) p ON p.person = {Person}\n");
        }
        return sql.ToString();
    }

    /// <summary>The text form of a property (NULL when not set).</summary>
    public string Text(PropertyRef property)
    {
        if (property.CohortId is { } cohortId)
        {
            var inside = Cohort(new PropertyFilter(new("$cohort"), FilterOperator.InCohort, [], [], cohortId));
            return $"(CASE WHEN {inside} THEN {parameters.Add(PropertyRef.InCohort)} ELSE {parameters.Add(PropertyRef.NotInCohort)} END)";
        }
        if (BuiltInProperties.ColumnOf(property) is { } column)
        {
            return column == "browser_version" ? dialect.ToText("e." + column) : "e." + column;
        }
        return dialect.JsonText(JsonColumn(property), Path(property.Name));
    }

    /// <summary>The group ids an event carries in the free property named after a group key (a string or strings).</summary>
    public string GroupIds(PropertyRef groupKey) => dialect.JsonStrings("e.properties", Path(groupKey.Name));

    /// <summary>The numeric form of a property (NULL when not a number).</summary>
    public string Number(PropertyRef property)
    {
        if (BuiltInProperties.ColumnOf(property) is { } column)
        {
            return column == "browser_version" ? dialect.ToDouble("e." + column) : dialect.TextToNumber("e." + column);
        }
        return dialect.JsonNumber(JsonColumn(property), Path(property.Name));
    }

    /// <summary>All filters joined with AND ("TRUE" when none).</summary>
    public string Filters(IEnumerable<PropertyFilter> filters)
    {
        var parts = filters.Select(Filter).ToList();
        return parts.Count == 0 ? "TRUE" : string.Join(" AND ", parts);
    }

    /// <summary>One filter as a boolean SQL expression.</summary>
    public string Filter(PropertyFilter filter)
    {
        if (filter.IsCohort) return Cohort(filter);
        if (filter.IsNumeric)
        {
            var number = Number(filter.Property);
            var a = parameters.Add(filter.Numbers[0]);
            return filter.Operator switch
            {
                FilterOperator.GreaterThan => $"({number} > {a})",
                FilterOperator.GreaterOrEqual => $"({number} >= {a})",
                FilterOperator.LessThan => $"({number} < {a})",
                FilterOperator.LessOrEqual => $"({number} <= {a})",
                _ => $"({number} BETWEEN {a} AND {parameters.Add(filter.Numbers[1])})",
            };
        }
        var text = Text(filter.Property);
        switch (filter.Operator)
        {
            case FilterOperator.IsSet:
                return $"({text} IS NOT NULL)";
            case FilterOperator.IsNotSet:
                return $"({text} IS NULL)";
            case FilterOperator.Equals:
                return $"({text} IN ({string.Join(", ", filter.Values.Select(v => parameters.Add(v)))}))";
            case FilterOperator.NotEquals:
                return $"({text} IS NOT NULL AND {text} NOT IN ({string.Join(", ", filter.Values.Select(v => parameters.Add(v)))}))";
            case FilterOperator.Contains:
                return "(" + string.Join(" OR ", filter.Values.Select(v => dialect.ContainsIgnoreCase(text, parameters.Add(v)))) + ")";
            case FilterOperator.NotContains:
                return $"({text} IS NOT NULL AND NOT (" + string.Join(" OR ", filter.Values.Select(v => dialect.ContainsIgnoreCase(text, parameters.Add(v)))) + "))";
            case FilterOperator.Regex:
                return "(" + string.Join(" OR ", filter.Values.Select(v => dialect.RegexMatch(text, parameters.Add(v)))) + ")";
            case FilterOperator.NotRegex:
                return $"({text} IS NOT NULL AND NOT (" + string.Join(" OR ", filter.Values.Select(v => dialect.RegexMatch(text, parameters.Add(v)))) + "))";
            default:
                throw new QueryValidationException($"Unsupported filter operator {filter.Operator}.");
        }
    }

    /// <summary>Membership of the event's person in a cohort, as <c>IN</c> a subquery of the cohort's persons.</summary>
    private string Cohort(PropertyFilter filter)
    {
        if (insideCohort) throw new QueryValidationException("A cohort's criteria cannot refer to other cohorts.");
        var id = filter.CohortId!.Value;
        if (cohorts?.Find(id) is not { } definition) throw new QueryValidationException($"There is no cohort {id} in this project.");
        var members = definition.Static
            ? new EventSql(dialect, parameters, projectId, cohorts, insideCohort: true).SnapshotMembers(id)
            : new EventSql(dialect, parameters, projectId, cohorts, insideCohort: true).CohortMembers(definition, cohorts.NowUtc);
        _needsIdentity = true;
        return filter.Operator == FilterOperator.InCohort
            ? $"({Person} IN ({members}))"
            : $"({Person} IS NULL OR {Person} NOT IN ({members}))";
    }

    /// <summary>
    /// The persons of a static cohort's snapshot, each resolved again through the identity map (a member merged since
    /// the snapshot counts as the person it was merged into), as everywhere else.
    /// </summary>
    public string SnapshotMembers(long cohortId) =>
        $"SELECT DISTINCT coalesce(m.person, c.person) AS person FROM cohort_members c "
        + $"LEFT JOIN {IdentityMap()} m ON m.member = c.person "
        + $"WHERE c.project_id = {_project} AND c.cohort_id = {parameters.Add(cohortId)}";

    /// <summary>The persons of a cohort: every person with events, grouped, kept when each criterion's count or profile test holds.</summary>
    public string CohortMembers(CohortDefinition definition, DateTime nowUtc)
    {
        var having = new List<string>();
        var now = parameters.Add(nowUtc);
        foreach (var c in definition.Criteria)
        {
            if (c.Profile is { } profile)
            {
                having.Add($"coalesce(bool_or({Filter(profile)}), false)");
                continue;
            }
            if (c.Funnel is { } funnel)
            {
                var range = TimeZones.Resolve(funnel.Range, funnel.TimeZone ?? "UTC", nowUtc);
                having.Add($"{Person} IN ({new FunnelPlanner(dialect, cohorts).DroppedPersons(parameters, projectId, funnel, range, c.DroppedAt)})");
                continue;
            }
            var condition = $"e.event = {parameters.Add(c.Event!)} AND {Filters(c.Filters)} AND e.time <= {now}";
            if (c.WithinDays is { } days) condition += $" AND e.time >= {parameters.Add(nowUtc.AddDays(-days))}";
            having.Add(c.DidNot
                ? $"count(*) FILTER (WHERE {condition}) = 0"
                : $"count(*) FILTER (WHERE {condition}) >= {parameters.Add((long)c.MinCount)}");
        }
        var groupBy = having.Count == 0 ? "" : " HAVING " + string.Join(" AND ", having);
        _needsIdentity = true;
        return $"SELECT {Person} AS person {From()} WHERE e.project_id = {_project} AND e.distinct_id IS NOT NULL GROUP BY {Person}{groupBy}";
    }

    // The project's rows of the identity map as (member, person). The store keeps one row per member (a merge replaces
    // the member's row in the same transaction), so the table is joined as is: grouping it by member in every query
    // cost 5-10% of a person-based report.
    private string IdentityMap() => $"(SELECT member, person FROM identity_map WHERE project_id = {_project})";

    private string JsonColumn(PropertyRef property)
    {
        if (property.Source == PropertySource.Profile)
        {
            _needsProfiles = true;
            return "p.properties";
        }
        return "e.properties";
    }

    // A literal, not a parameter: DuckDB plans a constant path once instead of parsing it per row. The name is
    // validated (no quotes, backslashes or control characters) and the pointer escaped as a SQL string literal.
    private string Path(string name)
    {
        if (!_paths.TryGetValue(name, out var literal))
        {
            literal = dialect.StringLiteral(PropertyNames.JsonPath(name));
            _paths[name] = literal;
        }
        return literal;
    }
}
