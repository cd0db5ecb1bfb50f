namespace Veil.Core.Tests.Pii;

/// <summary>Counts for one detector over the corpus.</summary>
public sealed record PiiDetectorScore(string Detector, int Rows, int TruePositives, int FalsePositives, int FalseNegatives)
{
    /// <summary>TP / (TP + FP); 1 when the detector never fired.</summary>
    public double Precision => TruePositives + FalsePositives == 0 ? 1 : (double)TruePositives / (TruePositives + FalsePositives);

    /// <summary>TP / (TP + FN); 1 when no row has this label.</summary>
    public double Recall => TruePositives + FalseNegatives == 0 ? 1 : (double)TruePositives / (TruePositives + FalseNegatives);
}
