namespace Veil.Core.Privacy.Pii;

/// <summary>The characters between two digit groups of a <see cref="DigitRun"/>.</summary>
[Flags]
internal enum DigitSeparator : byte
{
    None = 0,
    Space = 1,
    Dash = 2,
    Dot = 4,
    Slash = 8,
    Open = 16,
    Close = 32,
}
