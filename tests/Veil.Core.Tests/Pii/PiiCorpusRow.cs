namespace Veil.Core.Tests.Pii;

/// <summary>One labelled corpus row: the detector that truly applies (or <c>none</c>), a property name and a value.</summary>
public sealed record PiiCorpusRow(string Label, string Property, string Value)
{
    public const string None = "none";
}
