namespace Veil.Load;

/// <summary>Min, max and last of a series of RSS samples, in MiB.</summary>
internal sealed record RssSummary(double MinMb, double MaxMb, double FirstMb, double LastMb, int Samples)
{
    /// <summary>Reads lines of "&lt;unix seconds&gt; &lt;rss KiB&gt;" as the driver script writes them.</summary>
    public static RssSummary? Read(string path)
    {
        var samples = new List<double>();
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && long.TryParse(parts[1], out var kib)) samples.Add(kib / 1024.0);
        }
        if (samples.Count == 0) return null;
        return new RssSummary(Math.Round(samples.Min(), 1), Math.Round(samples.Max(), 1), Math.Round(samples[0], 1), Math.Round(samples[^1], 1), samples.Count);
    }
}
