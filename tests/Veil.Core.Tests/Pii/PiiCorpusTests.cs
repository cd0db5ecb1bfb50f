using Veil.Core.Privacy.Pii;
using Xunit.Abstractions;

namespace Veil.Core.Tests.Pii;

public class PiiCorpusTests(ITestOutputHelper output)
{
    private static bool EnvironmentFlag(string name) => Environment.GetEnvironmentVariable(name) == "1";

    [Fact]
    public void Committed_corpus_is_what_the_generator_makes()
    {
        var generated = PiiCorpus.ToTsv(PiiCorpusGenerator.Generate());
        var path = PiiCorpus.CorpusPath();
        if (EnvironmentFlag("VEIL_WRITE_PII_CORPUS")) File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"{path} is missing; run the tests once with VEIL_WRITE_PII_CORPUS=1");
        var committed = File.ReadAllText(path);
        Assert.True(committed == generated, "pii-corpus.tsv differs from PiiCorpusGenerator's output; regenerate with VEIL_WRITE_PII_CORPUS=1 and review the diff");
        Assert.Equal(PiiCorpusGenerator.Generate(), PiiCorpus.Parse(committed));
    }

    [Fact]
    public void Corpus_is_large_and_covers_every_detector()
    {
        var rows = PiiCorpus.Load();
        Assert.True(rows.Count >= 2000, $"{rows.Count} rows");
        foreach (var detector in Enum.GetValues<PiiDetector>())
        {
            Assert.True(rows.Count(r => r.Label == detector.ToString()) >= 80, $"too few {detector} rows");
        }
        Assert.True(rows.Count(r => r.Label == PiiCorpusRow.None) >= 1000, "too few hard negatives");
        Assert.All(rows, r => Assert.True(r.Label == PiiCorpusRow.None || Enum.TryParse<PiiDetector>(r.Label, out _), r.Label));
    }

    [Fact]
    public void Detectors_meet_precision_and_recall_targets()
    {
        var scoring = PiiCorpusScoring.Score(PiiCorpus.Load(), PiiScanner.Default);
        var report = scoring.ToMarkdown();
        output.WriteLine(report);
        var reportPath = Path.Combine(PiiCorpus.RepositoryRoot(), "docs", "pii-detector-quality.md");
        if (EnvironmentFlag("VEIL_WRITE_PII_REPORT"))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
            File.WriteAllText(reportPath, report);
        }

        Assert.True(scoring[PiiDetector.PaymentCard].Recall >= 0.99, $"PaymentCard recall {scoring[PiiDetector.PaymentCard].Recall:P1}");
        Assert.True(scoring[PiiDetector.Iban].Recall >= 0.99, $"Iban recall {scoring[PiiDetector.Iban].Recall:P1}");
        Assert.True(scoring[PiiDetector.Email].Recall >= 0.99, $"Email recall {scoring[PiiDetector.Email].Recall:P1}");
        Assert.True(scoring.Overall.Precision >= 0.97, $"overall precision {scoring.Overall.Precision:P1}");
        // The committed report must describe the scanner as it is.
        Assert.True(File.Exists(reportPath) && File.ReadAllText(reportPath) == report,
            "docs/pii-detector-quality.md is stale; regenerate with VEIL_WRITE_PII_REPORT=1");
    }
}
