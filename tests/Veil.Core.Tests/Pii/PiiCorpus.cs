using System.Text;

namespace Veil.Core.Tests.Pii;

/// <summary>Reads and writes the labelled corpus TSV (label, property, value; tabs, newlines and backslashes escaped).</summary>
public static class PiiCorpus
{
    public const string Header = "label\tproperty\tvalue";

    /// <summary>The repository root (the folder holding Veil.sln), found from the test binaries.</summary>
    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Veil.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Veil.sln not found above " + AppContext.BaseDirectory);
    }

    public static string CorpusPath() => Path.Combine(RepositoryRoot(), "tests", "Veil.Core.Tests", "Pii", "corpus", "pii-corpus.tsv");

    public static string ToTsv(IEnumerable<PiiCorpusRow> rows)
    {
        var builder = new StringBuilder();
        builder.Append(Header).Append('\n');
        foreach (var row in rows)
        {
            builder.Append(Escape(row.Label)).Append('\t').Append(Escape(row.Property)).Append('\t').Append(Escape(row.Value)).Append('\n');
        }
        return builder.ToString();
    }

    public static IReadOnlyList<PiiCorpusRow> Parse(string tsv)
    {
        var rows = new List<PiiCorpusRow>();
        var lines = tsv.Split('\n');
        if (lines[0] != Header) throw new FormatException("corpus header must be: " + Header);
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var fields = line.Split('\t');
            if (fields.Length != 3) throw new FormatException($"corpus row needs 3 fields: {line}");
            rows.Add(new PiiCorpusRow(Unescape(fields[0]), Unescape(fields[1]), Unescape(fields[2])));
        }
        return rows;
    }

    public static IReadOnlyList<PiiCorpusRow> Load() => Parse(File.ReadAllText(CorpusPath()));

    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\t", "\\t", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\r", "\\r", StringComparison.Ordinal);

    public static string Unescape(string text)
    {
        if (!text.Contains('\\', StringComparison.Ordinal)) return text;
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\' || i + 1 == text.Length)
            {
                builder.Append(text[i]);
                continue;
            }
            i++;
            builder.Append(text[i] switch
            {
                't' => '\t',
                'n' => '\n',
                'r' => '\r',
                _ => text[i],
            });
        }
        return builder.ToString();
    }
}
