namespace Veil.Query.Reference;

/// <summary>A breakdown key: a list of nullable strings with value equality and SQL's order (unset first, then ordinal).</summary>
internal sealed class StringList(IReadOnlyList<string?> items) : IEquatable<StringList>, IReadOnlyList<string?>
{
    public static readonly IComparer<StringList> Comparer = Comparer<StringList>.Create(Compare);

    public string? this[int index] => items[index];

    public int Count => items.Count;

    public bool Equals(StringList? other) => other is not null && items.SequenceEqual(other, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as StringList);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in items) hash.Add(item, StringComparer.Ordinal);
        return hash.ToHashCode();
    }

    public IEnumerator<string?> GetEnumerator() => items.GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

    private static int Compare(StringList? a, StringList? b)
    {
        for (var i = 0; i < Math.Min(a!.Count, b!.Count); i++)
        {
            var (x, y) = (a[i], b[i]);
            if (x is null && y is null) continue;
            if (x is null) return -1;
            if (y is null) return 1;
            var c = string.CompareOrdinal(x, y);
            if (c != 0) return c;
        }
        return a.Count.CompareTo(b.Count);
    }
}
