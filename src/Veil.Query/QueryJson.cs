using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Veil.Query.Model;
using Veil.Query.Sql;

namespace Veil.Query;

/// <summary>
/// Reads the JSON query model (docs/queries.md) into the typed model, strictly: unknown fields, wrong types and
/// out-of-range values are <see cref="QueryValidationException"/>s that name the field.
/// </summary>
public static class QueryJson
{
    public const int MaxSeries = 20;
    public const int MaxFilters = 50;
    public const int MaxValues = 100;
    public const int MaxBreakdowns = 3;
    public const int MinSteps = 2;
    public const int MaxSteps = 10;
    public const long MaxWindowSeconds = 90L * 86_400;
    public const int MaxPatternLength = 256;

    /// <summary>Parses a JSON text (throws <see cref="QueryValidationException"/> on malformed JSON as well).</summary>
    public static JsonElement ParseDocument(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 32 });
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new QueryValidationException("The query must be a JSON object.");
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new QueryValidationException($"The query is not valid JSON: {e.Message}");
        }
    }

    /// <summary>The time zone named by the query, or null to use the project's.</summary>
    public static string? TimeZone(JsonElement root) =>
        root.TryGetProperty("timezone", out var tz) ? String(tz, "timezone") : null;

    public static InsightsQuery Insights(JsonElement root)
    {
        Only(root, "", "dateRange", "timezone", "interval", "series", "filters", "breakdowns", "breakdown", "limit", "formula");
        var series = Array(root, "series", required: true).Select((s, i) => Series(s, $"series[{i}]")).ToList();
        if (series.Count is 0 or > MaxSeries) throw Bad($"`series` must hold 1-{MaxSeries} series.");
        var breakdowns = new List<PropertyRef>();
        if (root.TryGetProperty("breakdowns", out var many))
        {
            breakdowns.AddRange(Array(root, "breakdowns").Select((b, i) => Breakdown(b, $"breakdowns[{i}]")));
        }
        if (root.TryGetProperty("breakdown", out var one)) breakdowns.Add(Breakdown(one, "breakdown"));
        if (breakdowns.Count > MaxBreakdowns) throw Bad($"At most {MaxBreakdowns} breakdowns, got {breakdowns.Count}.");
        string? formula = null;
        if (root.TryGetProperty("formula", out var f))
        {
            formula = String(f, "formula");
            Formula.Parse(formula, series.Count);
        }
        var interval = root.TryGetProperty("interval", out var iv) ? String(iv, "interval") switch
        {
            "total" => Interval.Total,
            "minute" => Interval.Minute,
            "hour" => Interval.Hour,
            "day" => Interval.Day,
            "week" => Interval.Week,
            "month" => Interval.Month,
            var other => throw Bad($"`interval` must be total, minute, hour, day, week or month, got \"{Short(other)}\"."),
        } : Interval.Day;
        return new InsightsQuery(Range(root), TimeZone(root), interval, series, Filters(root, "filters"), breakdowns, Limit(root), formula);
    }

    public static FunnelQuery Funnel(JsonElement root)
    {
        Only(root, "", "dateRange", "timezone", "steps", "window", "windowSeconds", "order", "filters", "breakdown", "limit", "exclusions", "holdConstant");
        var steps = Array(root, "steps", required: true).Select((s, i) =>
        {
            var path = $"steps[{i}]";
            Only(s, path, "event", "filters");
            return new FunnelStep(String(Required(s, "event", path), path + ".event"), Filters(s, "filters", path));
        }).ToList();
        if (steps.Count is < MinSteps or > MaxSteps) throw Bad($"A funnel has {MinSteps}-{MaxSteps} steps, got {steps.Count}.");
        var order = !root.TryGetProperty("order", out var orderJson) ? FunnelOrder.Sequential : String(orderJson, "order") switch
        {
            "sequential" or "loose" => FunnelOrder.Sequential,
            "any" => FunnelOrder.Any,
            "strict" => FunnelOrder.Strict,
            _ => throw Bad("`order`: one of \"sequential\", \"any\" or \"strict\"."),
        };
        var window = Window(root);
        var exclusions = root.TryGetProperty("exclusions", out _)
            ? Array(root, "exclusions").Select((x, i) =>
            {
                var path = $"exclusions[{i}]";
                Only(x, path, "event", "filters", "afterStep", "beforeStep");
                var after = x.TryGetProperty("afterStep", out var a) ? Int(a, path + ".afterStep") : 0;
                var before = x.TryGetProperty("beforeStep", out var b) ? Int(b, path + ".beforeStep") : steps.Count - 1;
                if (after < 0 || before >= steps.Count || after >= before)
                {
                    throw Bad($"`{path}`: need 0 <= afterStep < beforeStep <= {steps.Count - 1}, got {after} and {before}.");
                }
                return new FunnelExclusion(String(Required(x, "event", path), path + ".event"), Filters(x, "filters", path), after, before);
            }).ToList()
            : [];
        var breakdown = root.TryGetProperty("breakdown", out var bd) ? Breakdown(bd, "breakdown") : null;
        var held = root.TryGetProperty("holdConstant", out var hc) ? Property(hc, "holdConstant") : null;
        return new FunnelQuery(Range(root), TimeZone(root), steps, window, Filters(root, "filters"), breakdown, Limit(root), exclusions, held, order);
    }

    public const int MaxPeriods = 60;

    public static RetentionQuery Retention(JsonElement root)
    {
        Only(root, "", "dateRange", "timezone", "born", "return", "unit", "periods", "mode", "unbounded", "filters", "breakdown", "limit");
        FunnelStep Event(string name)
        {
            var e = Required(root, name, "");
            Only(e, name, "event", "filters");
            return new FunnelStep(String(Required(e, "event", name), name + ".event"), Filters(e, "filters", name));
        }
        var unit = root.TryGetProperty("unit", out var u) ? String(u, "unit") switch
        {
            "day" => Interval.Day,
            "week" => Interval.Week,
            "month" => Interval.Month,
            var other => throw Bad($"`unit` must be day, week or month, got \"{Short(other)}\"."),
        } : Interval.Day;
        var periods = root.TryGetProperty("periods", out var p) ? Int(p, "periods") : 7;
        if (periods is < 1 or > MaxPeriods) throw Bad($"`periods` must be 1-{MaxPeriods}, got {periods}.");
        var firstTime = !root.TryGetProperty("mode", out var mode) || String(mode, "mode") switch
        {
            "firstTime" => true,
            "recurring" => false,
            var other => throw Bad($"`mode` must be firstTime or recurring, got \"{Short(other)}\"."),
        };
        var unbounded = root.TryGetProperty("unbounded", out var ub) && (ub.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? ub.GetBoolean() : throw Bad("`unbounded` must be true or false."));
        var breakdown = root.TryGetProperty("breakdown", out var bd) ? Breakdown(bd, "breakdown") : null;
        return new RetentionQuery(Range(root), TimeZone(root), Event("born"), Event("return"), unit, periods, firstTime, unbounded,
            Filters(root, "filters"), breakdown, Limit(root));
    }

    public const int MaxFlowSteps = 10;

    public static FlowsQuery Flows(JsonElement root)
    {
        Only(root, "", "dateRange", "timezone", "anchor", "steps", "direction", "window", "windowSeconds", "filters", "limit");
        var a = Required(root, "anchor", "");
        Only(a, "anchor", "event", "filters");
        var anchor = new FunnelStep(String(Required(a, "event", "anchor"), "anchor.event"), Filters(a, "filters", "anchor"));
        var steps = root.TryGetProperty("steps", out var s) ? Int(s, "steps") : 3;
        if (steps is < 1 or > MaxFlowSteps) throw Bad($"`steps` must be 1-{MaxFlowSteps}, got {steps}.");
        var before = root.TryGetProperty("direction", out var d) && String(d, "direction") switch
        {
            "after" => false,
            "before" => true,
            var other => throw Bad($"`direction` must be after or before, got \"{Short(other)}\"."),
        };
        var window = root.TryGetProperty("window", out _) || root.TryGetProperty("windowSeconds", out _) ? Window(root) : 86_400L;
        return new FlowsQuery(Range(root), TimeZone(root), anchor, steps, before, window, Filters(root, "filters"), Limit(root));
    }

    public const int MaxCriteria = 20;

    /// <summary>A cohort: <c>{"name": "…", "criteria": [{"did": "E", "atLeast": 3, "withinDays": 30, "filters": […]}, {"didNot": "E"}, {"profile": filter}]}</c>.</summary>
    public static (string Name, CohortDefinition Definition) Cohort(JsonElement root)
    {
        Only(root, "", "name", "criteria", "static");
        var isStatic = root.TryGetProperty("static", out var st) && Bool(st, "static");
        var name = String(Required(root, "name", ""), "name");
        if (name.Trim().Length is 0 or > 200) throw Bad("`name` must be 1-200 characters.");
        var items = Array(root, "criteria", required: true);
        if (items.Count is 0 or > MaxCriteria) throw Bad($"`criteria` must hold 1-{MaxCriteria} criteria.");
        var criteria = items.Select((c, i) =>
        {
            var path = $"criteria[{i}]";
            Only(c, path, "did", "didNot", "atLeast", "withinDays", "filters", "profile", "droppedAfter");
            if (c.TryGetProperty("droppedAfter", out var dropped))
            {
                Only(dropped, path + ".droppedAfter", "funnel", "step");
                var funnel = Funnel(Required(dropped, "funnel", path + ".droppedAfter"));
                if (funnel.Steps.Concat(funnel.Exclusions.Select(x => new FunnelStep(x.Event, x.Filters))).SelectMany(st => st.Filters).Concat(funnel.Filters).Any(f => f.IsCohort)
                    || funnel.Breakdown?.CohortId is not null)
                {
                    throw Bad($"`{path}.droppedAfter.funnel`: a cohort cannot refer to another cohort.");
                }
                var step = Int(Required(dropped, "step", path + ".droppedAfter"), path + ".droppedAfter.step");
                if (step < 1 || step >= funnel.Steps.Count) throw Bad($"`{path}.droppedAfter.step` must be 1-{funnel.Steps.Count - 1} (the last step reached).");
                return CohortCriterion.DroppedOff(funnel, step);
            }
            int? within = c.TryGetProperty("withinDays", out var w) ? Int(w, path + ".withinDays") : null;
            if (within is < 1 or > TimeZones.MaxDays) throw Bad($"`{path}.withinDays` must be 1-{TimeZones.MaxDays}.");
            if (c.TryGetProperty("profile", out var p))
            {
                if (c.TryGetProperty("did", out _) || c.TryGetProperty("didNot", out _)) throw Bad($"`{path}`: a criterion is either about behaviour or the profile.");
                var filter = Filter(p, path + ".profile");
                if (filter.IsCohort) throw Bad($"`{path}.profile`: a cohort cannot refer to another cohort.");
                return CohortCriterion.HasProfile(filter with { Property = filter.Property with { Source = PropertySource.Profile } });
            }
            var filters = Filters(c, "filters", path);
            if (filters.Any(f => f.IsCohort)) throw Bad($"`{path}.filters`: a cohort cannot refer to another cohort.");
            if (c.TryGetProperty("did", out var did))
            {
                var atLeast = c.TryGetProperty("atLeast", out var a) ? Int(a, path + ".atLeast") : 1;
                if (atLeast is < 1 or > 1_000_000) throw Bad($"`{path}.atLeast` must be 1-1000000.");
                return CohortCriterion.Did(String(did, path + ".did"), atLeast, within, filters);
            }
            if (c.TryGetProperty("didNot", out var didNot)) return CohortCriterion.DidNotDo(String(didNot, path + ".didNot"), within, filters);
            throw Bad($"`{path}` needs `did`, `didNot` or `profile`.");
        }).ToList();
        return (name.Trim(), new CohortDefinition(criteria, isStatic));
    }

    private static long Window(JsonElement root)
    {
        long seconds;
        if (root.TryGetProperty("windowSeconds", out var ws))
        {
            seconds = Long(ws, "windowSeconds");
        }
        else if (root.TryGetProperty("window", out var w))
        {
            Only(w, "window", "value", "unit");
            var value = Long(Required(w, "value", "window"), "window.value");
            var unit = String(Required(w, "unit", "window"), "window.unit") switch
            {
                "second" => 1L,
                "minute" => 60L,
                "hour" => 3600L,
                "day" => 86_400L,
                "week" => 7 * 86_400L,
                var other => throw Bad($"`window.unit` must be second, minute, hour, day or week, got \"{Short(other)}\"."),
            };
            if (value is < 1 or > MaxWindowSeconds) throw Bad($"`window.value` out of range: {value}.");
            seconds = value * unit;
        }
        else
        {
            seconds = 30 * 86_400L;
        }
        if (seconds is < 1 or > MaxWindowSeconds) throw Bad($"The conversion window must be 1 second to 90 days, got {seconds} seconds.");
        return seconds;
    }

    private static InsightsSeries Series(JsonElement s, string path)
    {
        Only(s, path, "event", "measure", "property", "percentile", "filters", "groupKey");
        string? name = null;
        if (s.TryGetProperty("event", out var e) && e.ValueKind != JsonValueKind.Null) name = String(e, path + ".event");
        var measureName = s.TryGetProperty("measure", out var m) ? String(m, path + ".measure") : "total";
        var percentile = s.TryGetProperty("percentile", out var p) ? Number(p, path + ".percentile") : 50;
        if (percentile is < 0 or > 100) throw Bad($"`{path}.percentile` must be 0-100, got {percentile.ToString(CultureInfo.InvariantCulture)}.");
        var kind = measureName switch
        {
            "total" => MeasureKind.Total,
            "unique" => MeasureKind.UniquePersons,
            "sessions" => MeasureKind.Sessions,
            "perPersonAverage" => MeasureKind.PerPersonAverage,
            "perPersonMedian" => MeasureKind.PerPersonPercentile,
            "perPersonPercentile" => MeasureKind.PerPersonPercentile,
            "sum" => MeasureKind.Sum,
            "average" => MeasureKind.Average,
            "min" => MeasureKind.Min,
            "max" => MeasureKind.Max,
            "median" => MeasureKind.Percentile,
            "percentile" => MeasureKind.Percentile,
            "uniqueGroups" => MeasureKind.UniqueGroups,
            var other => throw Bad($"`{path}.measure`: unknown measure \"{Short(other)}\" (total, unique, sessions, perPersonAverage, perPersonMedian, " +
                "perPersonPercentile, sum, average, min, max, median, percentile, uniqueGroups)."),
        };
        if (measureName is "median" or "perPersonMedian") percentile = 50;
        PropertyRef? property = null;
        if (kind is MeasureKind.Sum or MeasureKind.Average or MeasureKind.Min or MeasureKind.Max or MeasureKind.Percentile)
        {
            property = Property(Required(s, "property", path), path + ".property");
        }
        if (kind == MeasureKind.UniqueGroups)
        {
            // The group key names the event property holding the group ids.
            property = Checked(new PropertyRef(String(Required(s, "groupKey", path), path + ".groupKey")), path + ".groupKey");
        }
        return new InsightsSeries(name, new Measure(kind, property, percentile), Filters(s, "filters", path));
    }

    private static IReadOnlyList<PropertyFilter> Filters(JsonElement parent, string name, string path = "")
    {
        if (!parent.TryGetProperty(name, out _)) return [];
        var full = path.Length == 0 ? name : path + "." + name;
        var items = Array(parent, name, path: path);
        if (items.Count > MaxFilters) throw Bad($"`{full}`: at most {MaxFilters} filters.");
        return items.Select((f, i) => Filter(f, $"{full}[{i}]")).ToList();
    }

    private static PropertyFilter Filter(JsonElement f, string path)
    {
        Only(f, path, "property", "source", "operator", "value", "values", "cohort");
        var opName = String(Required(f, "operator", path), path + ".operator");
        var op = opName switch
        {
            "equals" => FilterOperator.Equals,
            "notEquals" => FilterOperator.NotEquals,
            "contains" => FilterOperator.Contains,
            "notContains" => FilterOperator.NotContains,
            "regex" => FilterOperator.Regex,
            "notRegex" => FilterOperator.NotRegex,
            "gt" => FilterOperator.GreaterThan,
            "gte" => FilterOperator.GreaterOrEqual,
            "lt" => FilterOperator.LessThan,
            "lte" => FilterOperator.LessOrEqual,
            "between" => FilterOperator.Between,
            "isSet" => FilterOperator.IsSet,
            "isNotSet" => FilterOperator.IsNotSet,
            "inCohort" => FilterOperator.InCohort,
            "notInCohort" => FilterOperator.NotInCohort,
            var other => throw Bad($"`{path}.operator`: unknown operator \"{Short(other)}\" (equals, notEquals, contains, notContains, regex, notRegex, " +
                "gt, gte, lt, lte, between, isSet, isNotSet, inCohort, notInCohort)."),
        };
        if (op is FilterOperator.InCohort or FilterOperator.NotInCohort)
        {
            var cohort = Long(Required(f, "cohort", path), path + ".cohort");
            return new PropertyFilter(new PropertyRef("$cohort"), op, [], [], cohort);
        }
        var property = Property(f, path);
        var raw = new List<JsonElement>();
        if (f.TryGetProperty("value", out var v)) raw.Add(v);
        if (f.TryGetProperty("values", out var vs))
        {
            if (vs.ValueKind != JsonValueKind.Array) throw Bad($"`{path}.values` must be an array.");
            raw.AddRange(vs.EnumerateArray());
        }
        if (raw.Count > MaxValues) throw Bad($"`{path}.values`: at most {MaxValues} values.");
        var filter = new PropertyFilter(property, op, [], []);
        if (filter.IsNumeric)
        {
            var numbers = raw.Select((x, i) => Number(x, $"{path}.values[{i}]")).ToList();
            var want = op == FilterOperator.Between ? 2 : 1;
            if (numbers.Count != want) throw Bad($"`{path}`: operator {opName} takes {want} number{(want == 1 ? "" : "s")}, got {numbers.Count}.");
            if (op == FilterOperator.Between && numbers[0] > numbers[1]) throw Bad($"`{path}`: between needs min <= max.");
            return filter with { Numbers = numbers };
        }
        if (op is FilterOperator.IsSet or FilterOperator.IsNotSet)
        {
            if (raw.Count > 0) throw Bad($"`{path}`: operator {opName} takes no value.");
            return filter;
        }
        var strings = raw.Select((x, i) => x.ValueKind switch
        {
            JsonValueKind.String => x.GetString()!,
            JsonValueKind.Number => x.GetRawText(),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => throw Bad($"`{path}.values[{i}]` must be a string, number or boolean."),
        }).ToList();
        if (strings.Count == 0) throw Bad($"`{path}`: operator {opName} needs at least one value.");
        if (strings.Any(s => s.Length > 10_000)) throw Bad($"`{path}`: a value is at most 10000 characters.");
        if (op is FilterOperator.Regex or FilterOperator.NotRegex)
        {
            foreach (var pattern in strings) ValidatePattern(pattern, path);
        }
        return filter with { Values = strings };
    }

    /// <summary>
    /// Patterns must mean the same in RE2 (the store) and .NET (the reference), and stay linear-time: no look-around,
    /// no backreferences, no inline options or named groups, bounded length and repetition.
    /// </summary>
    private static void ValidatePattern(string pattern, string path)
    {
        if (pattern.Length > MaxPatternLength) throw Bad($"`{path}`: a regular expression is at most {MaxPatternLength} characters.");
        if (pattern.Contains("(?", StringComparison.Ordinal) || Regex.IsMatch(pattern, @"\\[1-9kKpPbBGzZAQE]"))
        {
            throw Bad($"`{path}`: the regular expression uses an unsupported construct (look-around, backreference, inline option or named group).");
        }
        if (Regex.IsMatch(pattern, @"\{\s*\d{4,}")) throw Bad($"`{path}`: repetition counts in a regular expression are at most 999.");
        try
        {
            _ = new Regex(pattern, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw Bad($"`{path}`: invalid regular expression: {e.Message}");
        }
    }

    // A breakdown: a property, or {"cohort": ID} (in cohort / not in cohort).
    private static PropertyRef Breakdown(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("cohort", out var cohort))
        {
            Only(e, path, "cohort");
            return PropertyRef.Cohort(Long(cohort, path + ".cohort"));
        }
        return Property(e, path);
    }

    private static PropertyRef Property(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.String) return Checked(new PropertyRef(e.GetString()!), path);
        if (e.ValueKind != JsonValueKind.Object) throw Bad($"`{path}` must be a property name or an object with `property`.");
        var name = String(Required(e, "property", path), path + ".property");
        var source = e.TryGetProperty("source", out var s) ? String(s, path + ".source") switch
        {
            "event" => PropertySource.Event,
            "profile" or "user" => PropertySource.Profile,
            var other => throw Bad($"`{path}.source` must be event or profile, got \"{Short(other)}\"."),
        } : PropertySource.Event;
        return Checked(new PropertyRef(name, source), path);
    }

    private static PropertyRef Checked(PropertyRef property, string path)
    {
        if (PropertyNames.Problem(property.Name) is { } problem) throw Bad($"`{path}`: {problem}.");
        return property;
    }

    private static DateRange Range(JsonElement root)
    {
        if (!root.TryGetProperty("dateRange", out var r)) return DateRange.Last(30);
        Only(r, "dateRange", "from", "to", "last");
        if (r.TryGetProperty("last", out var last))
        {
            if (r.TryGetProperty("from", out _) || r.TryGetProperty("to", out _)) throw Bad("`dateRange`: give either `last` or `from` and `to`.");
            return DateRange.Last(Int(last, "dateRange.last"));
        }
        return DateRange.Absolute(Date(Required(r, "from", "dateRange"), "dateRange.from"), Date(Required(r, "to", "dateRange"), "dateRange.to"));
    }

    private static DateOnly Date(JsonElement e, string path)
    {
        var text = String(e, path);
        return DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date
            : throw Bad($"`{path}` must be a date as YYYY-MM-DD, got \"{Short(text)}\".");
    }

    private static int Limit(JsonElement root)
    {
        var limit = root.TryGetProperty("limit", out var l) ? Int(l, "limit") : 10;
        return limit is < 1 or > 1000 ? throw Bad($"`limit` must be 1-1000, got {limit}.") : limit;
    }

    private static void Only(JsonElement e, string path, params string[] allowed)
    {
        if (e.ValueKind != JsonValueKind.Object) throw Bad($"`{(path.Length == 0 ? "query" : path)}` must be an object.");
        foreach (var p in e.EnumerateObject())
        {
            if (!allowed.Contains(p.Name, StringComparer.Ordinal))
            {
                throw Bad($"`{(path.Length == 0 ? "" : path + ".")}{Short(p.Name)}` is not a known field (expected one of {string.Join(", ", allowed)}).");
            }
        }
    }

    private static JsonElement Required(JsonElement e, string name, string path) =>
        e.TryGetProperty(name, out var value) ? value : throw Bad($"`{(path.Length == 0 ? "" : path + ".")}{name}` is required.");

    private static List<JsonElement> Array(JsonElement parent, string name, bool required = false, string path = "")
    {
        var full = path.Length == 0 ? name : path + "." + name;
        if (!parent.TryGetProperty(name, out var value))
        {
            return required ? throw Bad($"`{full}` is required.") : [];
        }
        return value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().ToList() : throw Bad($"`{full}` must be an array.");
    }

    private static string String(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad($"`{path}` must be a string.");

    private static int Int(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) ? v : throw Bad($"`{path}` must be an integer.");

    private static bool Bool(JsonElement e, string path) =>
        e.ValueKind is JsonValueKind.True or JsonValueKind.False ? e.GetBoolean() : throw Bad($"`{path}` must be true or false.");

    private static long Long(JsonElement e, string path) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : throw Bad($"`{path}` must be an integer.");

    private static double Number(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Number && e.TryGetDouble(out var v) && double.IsFinite(v)) return v;
        if (e.ValueKind == JsonValueKind.String && double.TryParse(e.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out v) && double.IsFinite(v)) return v;
        throw Bad($"`{path}` must be a number.");
    }

    private static string Short(string s) => s.Length > 64 ? s[..64] + "…" : s;

    private static QueryValidationException Bad(string message) => new(message);
}
