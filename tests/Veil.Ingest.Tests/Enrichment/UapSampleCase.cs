namespace Veil.Ingest.Tests.Enrichment;

/// <summary>One line of <c>Fixtures/uap-sample.tsv</c>: uap-core's expected answer for a user agent.</summary>
internal sealed record UapSampleCase(string Kind, string UserAgent, string Family, string? Major)
{
    public static IReadOnlyList<UapSampleCase> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Enrichment", "Fixtures", "uap-sample.tsv");
        return [.. File.ReadLines(path)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('\t'))
            .Select(f => new UapSampleCase(f[0], f[1], f[2], f[3].Length == 0 ? null : f[3]))];
    }
}
