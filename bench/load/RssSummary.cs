namespace Veil.Load;

/// <summary>The server's RSS over a session (MiB), and the largest its WAL directory grew (a measure of store lag).</summary>
internal sealed record RssSummary(double MinMb, double MaxMb, double FirstMb, double LastMb, int Samples, double? WalMaxMb)
{
    /// <summary>Reads lines of "&lt;unix seconds&gt; &lt;rss KiB&gt; [&lt;WAL bytes&gt;]" as the driver script writes them.</summary>
    public static RssSummary? Read(string path)
    {
        var samples = new List<double>();
        double? walMax = null;
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length < 2 || !long.TryParse(parts[1], out var kib)) continue;
            samples.Add(kib / 1024.0);
            if (parts.Length >= 3 && long.TryParse(parts[2], out var wal)) walMax = Math.Max(walMax ?? 0, wal / (1024.0 * 1024.0));
        }
        if (samples.Count == 0) return null;
        return new RssSummary(Math.Round(samples.Min(), 1), Math.Round(samples.Max(), 1), Math.Round(samples[0], 1), Math.Round(samples[^1], 1),
            samples.Count, walMax is { } w ? Math.Round(w, 1) : null);
    }
}
