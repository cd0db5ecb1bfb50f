using System.Collections.Frozen;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// A project's PII policy: the action per detector (<see cref="PiiPolicyAction.Redact"/> unless set), per-property
/// overrides that apply to any hit in that property, and allow-listed properties that are not scanned at all.
/// Property keys match a property's name or its full path (<c>address.email</c>, <c>items[].sku</c>),
/// case-insensitively; the path wins. Immutable, so one instance can serve every request of a project.
/// </summary>
public sealed class PiiPolicy
{
    private readonly PiiPolicyAction[] _defaults;
    private readonly FrozenDictionary<string, PiiPolicyAction> _overrides;
    private readonly FrozenDictionary<string, PiiPolicyAction>.AlternateLookup<ReadOnlySpan<char>> _overrideLookup;
    private readonly FrozenSet<string> _allowed;
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _allowedLookup;

    /// <summary>Redact every hit, no overrides, nothing allow-listed.</summary>
    public static PiiPolicy Default { get; } = new();

    /// <param name="detectorActions">Action per detector; detectors not listed are redacted.</param>
    /// <param name="propertyActions">Action for any hit in the named property (or path).</param>
    /// <param name="allowedProperties">Properties (or paths) kept as they are, unscanned.</param>
    public PiiPolicy(
        IReadOnlyDictionary<PiiDetector, PiiPolicyAction>? detectorActions = null,
        IReadOnlyDictionary<string, PiiPolicyAction>? propertyActions = null,
        IEnumerable<string>? allowedProperties = null)
    {
        _defaults = new PiiPolicyAction[Enum.GetValues<PiiDetector>().Length];
        if (detectorActions is not null)
        {
            foreach (var (detector, action) in detectorActions) _defaults[(int)detector] = action;
        }
        _overrides = (propertyActions ?? new Dictionary<string, PiiPolicyAction>()).ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _overrideLookup = _overrides.GetAlternateLookup<ReadOnlySpan<char>>();
        _allowed = (allowedProperties ?? []).ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _allowedLookup = _allowed.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>The action for <paramref name="detector"/> where no property override applies.</summary>
    public PiiPolicyAction ActionFor(PiiDetector detector) => _defaults[(int)detector];

    /// <summary>The action for a hit of <paramref name="detector"/> in <paramref name="propertyName"/>.</summary>
    public PiiPolicyAction ActionFor(string propertyName, PiiDetector detector) =>
        ActionFor(propertyName.AsSpan(), propertyName.AsSpan(), detector);

    /// <summary>Whether <paramref name="propertyName"/> is kept unscanned.</summary>
    public bool IsAllowed(string propertyName) => IsAllowed(propertyName.AsSpan(), propertyName.AsSpan());

    internal PiiPolicyAction ActionFor(ReadOnlySpan<char> path, ReadOnlySpan<char> name, PiiDetector detector)
    {
        if (_overrides.Count > 0)
        {
            if (_overrideLookup.TryGetValue(path, out var byPath)) return byPath;
            if (_overrideLookup.TryGetValue(name, out var byName)) return byName;
        }
        return _defaults[(int)detector];
    }

    internal bool IsAllowed(ReadOnlySpan<char> path, ReadOnlySpan<char> name) =>
        _allowed.Count > 0 && (_allowedLookup.Contains(path) || _allowedLookup.Contains(name));
}
