using Veil.Ingest.Enrichment;

namespace Veil.Ingest.Tests.Enrichment;

/// <summary>Checks the port of uap-core's rules against a sample of uap-core's own expectations.</summary>
public sealed class UserAgentClassifierCorpusTests
{
    private static readonly UserAgentClassifier Classifier = new();
    private static readonly IReadOnlyList<UapSampleCase> Sample = UapSampleCase.Load();

    [Fact]
    public void The_sample_is_large_enough_to_mean_something()
    {
        Assert.True(Sample.Count >= 200, $"only {Sample.Count} cases");
        Assert.True(Sample.Count(c => c.Kind == "ua") >= 200);
    }

    [Theory]
    [InlineData("ua")]
    [InlineData("os")]
    [InlineData("device")]
    public void At_least_99_percent_of_the_sample_agrees_with_uap_core(string kind)
    {
        var cases = Sample.Where(c => c.Kind == kind).ToList();
        var misses = new List<string>();
        foreach (var c in cases)
        {
            var parse = Classifier.Parse(c.UserAgent);
            var (family, major) = kind switch
            {
                "ua" => (parse.BrowserFamily, parse.BrowserMajor),
                "os" => (parse.OsFamily, parse.OsMajor),
                _ => (parse.DeviceFamily, c.Major),
            };
            if (family != c.Family || major != c.Major)
                misses.Add($"{c.UserAgent}\n    expected {c.Family} {c.Major}, got {family} {major}");
        }

        var agreement = 1.0 - (double)misses.Count / cases.Count;
        Assert.True(agreement >= 0.99, $"{kind}: {misses.Count} of {cases.Count} disagree:\n{string.Join('\n', misses)}");
    }
}
