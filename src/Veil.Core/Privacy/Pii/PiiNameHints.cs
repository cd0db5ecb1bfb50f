namespace Veil.Core.Privacy.Pii;

/// <summary>What a property name says about its value, as far as the detectors care.</summary>
[Flags]
internal enum PiiNameHints
{
    None = 0,
    /// <summary>The name says SSN: nine bare digits count.</summary>
    Ssn = 1,
    /// <summary>The name says phone: bare or loosely grouped digits count.</summary>
    Phone = 2,
    /// <summary>The name says version: dotted quads are versions, not IPv4 addresses.</summary>
    Version = 4,
}
