namespace Veil.Core.Privacy.Pii;

/// <summary>One detector hit: which detector, and where in the scanned text (UTF-16 offsets).</summary>
public readonly record struct PiiHit(PiiDetector Detector, int Start, int Length)
{
    /// <summary>Offset just past the hit.</summary>
    public int End => Start + Length;
}
