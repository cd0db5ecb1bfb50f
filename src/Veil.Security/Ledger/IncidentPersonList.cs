using System.Collections;

namespace Veil.Security.Ledger;

/// <summary>
/// The affected persons of a report, project by project, each project's pseudonyms ascending. A heavy incident lists
/// half a million; they are kept as numbers and formatted when read, since most reports only count them.
/// </summary>
internal sealed class IncidentPersonList(IReadOnlyList<(int? Project, UInt128[] Values)> projects) : IReadOnlyList<IncidentPerson>
{
    public int Count { get; } = projects.Sum(p => p.Values.Length);

    public IncidentPerson this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            foreach (var (project, values) in projects)
            {
                if (index < values.Length) return new IncidentPerson(project, Hex(values[index]));
                index -= values.Length;
            }
            throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    public IEnumerator<IncidentPerson> GetEnumerator()
    {
        foreach (var (project, values) in projects)
        {
            foreach (var value in values) yield return new IncidentPerson(project, Hex(value));
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    // The same text as value.ToString("x32"), without UInt128's general formatting path.
    internal static string Hex(UInt128 value) => string.Create(32, value, static (span, v) =>
    {
        ((ulong)(v >> 64)).TryFormat(span, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        ((ulong)v).TryFormat(span[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });
}
