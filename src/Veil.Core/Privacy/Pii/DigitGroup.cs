namespace Veil.Core.Privacy.Pii;

/// <summary>One group of consecutive digits in a <see cref="DigitRun"/>.</summary>
internal struct DigitGroup
{
    /// <summary>Offset of the first digit.</summary>
    public int Start;
    /// <summary>Offset just past the last digit.</summary>
    public int End;
    /// <summary>What separates this group from the one before it.</summary>
    public DigitSeparator Before;
    /// <summary>Whether the group is wrapped in parentheses, as an area code often is.</summary>
    public bool InParens;

    public readonly int Length => End - Start;
}
