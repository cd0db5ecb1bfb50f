namespace Veil.Tests.Profiles;

/// <summary>
/// A deliberately small model of Mixpanel's profile operators over plain values (long, string, List&lt;object&gt;), written
/// from the documentation without looking at Veil's implementation: the oracle for the property-based tests.
/// </summary>
public static class ProfileReferenceModel
{
    /// <summary>One operation: the operator, the property it touches (none for $delete) and its value.</summary>
    public sealed record Op(string Operator, string Property, object? Value);

    public static Dictionary<string, object>? Apply(Dictionary<string, object>? profile, Op op)
    {
        switch (op.Operator)
        {
            case "$delete":
                return null;
            case "$unset":
                profile?.Remove(op.Property);
                return profile;
            case "$remove":
                if (profile is not null && profile.TryGetValue(op.Property, out var list) && list is List<object> items)
                    items.RemoveAll(item => Same(item, op.Value!));
                return profile;
        }
        profile ??= [];
        var present = profile.TryGetValue(op.Property, out var current);
        switch (op.Operator)
        {
            case "$set":
                profile[op.Property] = Copy(op.Value!);
                break;
            case "$set_once":
                if (!present) profile[op.Property] = Copy(op.Value!);
                break;
            case "$add":
                if (!present) profile[op.Property] = (long)op.Value!;
                else if (current is long number) profile[op.Property] = number + (long)op.Value!;
                break;
            case "$append":
                if (!present) profile[op.Property] = new List<object> { op.Value! };
                else if (current is List<object> appended) appended.Add(op.Value!);
                break;
            case "$union":
                var additions = (List<object>)op.Value!;
                if (!present) profile[op.Property] = Distinct(additions);
                else if (current is List<object> union)
                {
                    foreach (var item in additions)
                    {
                        if (!union.Any(existing => Same(existing, item))) union.Add(item);
                    }
                }
                break;
            default:
                throw new ArgumentException("unknown operator " + op.Operator);
        }
        return profile;
    }

    public static bool Same(object a, object b) => (a, b) switch
    {
        (List<object> x, List<object> y) => x.Count == y.Count && x.Zip(y).All(pair => Same(pair.First, pair.Second)),
        _ => a.Equals(b),
    };

    private static List<object> Distinct(List<object> values)
    {
        var result = new List<object>();
        foreach (var value in values)
        {
            if (!result.Any(existing => Same(existing, value))) result.Add(value);
        }
        return result;
    }

    private static object Copy(object value) => value is List<object> list ? list.Select(Copy).ToList() : value;
}
