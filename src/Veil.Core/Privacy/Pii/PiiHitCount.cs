namespace Veil.Core.Privacy.Pii;

/// <summary>How many hits one detector had in one property of one project (a count, never a value).</summary>
public readonly record struct PiiHitCount(int ProjectId, string PropertyName, PiiDetector Detector, long Count);
