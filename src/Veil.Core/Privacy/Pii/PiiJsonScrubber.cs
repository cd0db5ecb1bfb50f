using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Veil.Core.Privacy.Pii;

/// <summary>
/// Writes a scrubbed copy of a JSON value: every property name and every string or number value (as its JSON text,
/// so a card number sent as a number is caught) is scanned, nested objects and arrays included, and the project's
/// <see cref="PiiPolicy"/> is applied. Redacted or pseudonymised values become strings; dropped and vaulted
/// properties (and array items) are left out, and vaulted values are returned so the caller can store them. A
/// property whose name is PII is renamed (<c>[email]</c>), dropped for Drop, and for Vault renamed with its
/// original name returned as a vault item. Thread-safe; one instance per project.
/// </summary>
public sealed class PiiJsonScrubber
{
    private readonly int _projectId;
    private readonly PiiPolicy _policy;
    private readonly Func<string, string>? _pseudonymise;
    private readonly PiiHitCounter? _counter;
    private readonly PiiScanner _scanner;

    /// <param name="projectId">The project whose hits are counted.</param>
    /// <param name="policy">What to do with hits.</param>
    /// <param name="pseudonymise">Maps PII text to a pseudonym (an HMAC under the project key); needed for <see cref="PiiPolicyAction.Pseudonymise"/>, which otherwise redacts.</param>
    /// <param name="counter">Where hits are counted, if anywhere.</param>
    /// <param name="scanner">The scanner; <see cref="PiiScanner.Default"/> when null.</param>
    public PiiJsonScrubber(int projectId, PiiPolicy policy, Func<string, string>? pseudonymise = null, PiiHitCounter? counter = null, PiiScanner? scanner = null)
    {
        _projectId = projectId;
        _policy = policy;
        _pseudonymise = pseudonymise;
        _counter = counter;
        _scanner = scanner ?? PiiScanner.Default;
    }

    /// <summary>Writes the scrubbed form of <paramref name="value"/> (normally an object) to <paramref name="writer"/>.</summary>
    public PiiScrubResult Scrub(JsonElement value, Utf8JsonWriter writer)
    {
        var state = new ScrubState();
        try
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object: WriteObject(value, writer, state); break;
                case JsonValueKind.Array: WriteArray(value, writer, state, 0, 0); break;
                case JsonValueKind.String or JsonValueKind.Number:
                    var decision = Decide(value, state, 0, 0);
                    if (decision.Outcome == Outcome.Omit) writer.WriteNullValue(); // the root cannot be left out
                    else WriteValue(writer, value, decision);
                    break;
                default: value.WriteTo(writer); break;
            }
            return new PiiScrubResult(state.Vault ?? (IReadOnlyList<PiiVaultItem>)[], state.Hits);
        }
        finally
        {
            state.Dispose();
        }
    }

    /// <summary>
    /// Starts scrubbing a top-level object one property at a time (<see cref="Write(PiiScrubSession, JsonProperty, Utf8JsonWriter)"/>),
    /// for a caller that already walks the properties and writes the object itself: the event pipeline scrubs the
    /// properties it keeps in its one pass instead of writing them and parsing them again.
    /// </summary>
    public PiiScrubSession StartSession() => PiiScrubSession.Open();

    /// <summary>Writes the scrubbed form of one property of the session's object (name and value), or nothing if the policy drops it.</summary>
    public void Write(PiiScrubSession session, JsonProperty property, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(session);
        ObjectDisposedException.ThrowIf(session.IsClosed, session);
        var renamed = session.Renamed;
        WriteObjectProperty(property, writer, session.State, ref renamed);
        session.Renamed = renamed;
    }

    /// <summary>What the session found: vault items and the number of hits.</summary>
    public static PiiScrubResult Finish(PiiScrubSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        return new PiiScrubResult(session.State.Vault ?? (IReadOnlyList<PiiVaultItem>)[], session.State.Hits);
    }

    private void WriteObject(JsonElement element, Utf8JsonWriter writer, ScrubState state)
    {
        writer.WriteStartObject();
        HashSet<string>? renamed = null;
        foreach (var property in element.EnumerateObject()) WriteObjectProperty(property, writer, state, ref renamed);
        writer.WriteEndObject();
    }

    private void WriteObjectProperty(JsonProperty property, Utf8JsonWriter writer, ScrubState state, ref HashSet<string>? renamed)
    {
        var mark = state.PathLength;
        var nameStart = state.AppendName(property);
        try
        {
            if (_policy.IsAllowed(state.Path, state.Path[nameStart..]))
            {
                property.WriteTo(writer);
                return;
            }
            string? writtenName = null;
            var nameScan = _scanner.ScanName(state.Path[nameStart..]);
            if (nameScan.HasHits && !RenameProperty(state, nameStart, nameScan, ref renamed, out writtenName)) return;
            var value = property.Value;
            if (!nameScan.HasHits && !state.NameHadEscapes && value.ValueKind is JsonValueKind.String or JsonValueKind.Number)
            {
                // The common case, a clean name: a value kept as it came is copied with its name straight from the document.
                var decision = Decide(value, state, nameStart, state.PathLength);
                if (decision.Outcome == Outcome.Keep) property.WriteTo(writer);
                else if (decision.Outcome == Outcome.Replace) writer.WriteString(JsonMarshal.GetRawUtf8PropertyName(property), decision.Value);
                return;
            }
            WriteProperty(value, writer, state, nameStart, writtenName);
        }
        finally
        {
            state.PathLength = mark;
        }
    }

    /// <summary>
    /// Applies the policy to a property name that is itself PII. False when the property is dropped. The path goes on
    /// under the placeholder name (so counts and vault paths never hold the PII); <paramref name="writtenName"/> is the
    /// name to write when it differs from that (an allowed name is written as it came).
    /// </summary>
    private bool RenameProperty(ScrubState state, int nameStart, PiiScanResult scan, ref HashSet<string>? renamed, out string? writtenName)
    {
        writtenName = null;
        var name = state.Path[nameStart..];
        var hits = scan.Hits;
        Span<PiiPolicyAction> actions = stackalloc PiiPolicyAction[hits.Length <= 32 ? hits.Length : 0];
        if (hits.Length > 32) actions = new PiiPolicyAction[hits.Length];
        for (var i = 0; i < hits.Length; i++) actions[i] = _policy.ActionFor(state.Path, name, hits[i].Detector);
        var redaction = PiiRedactor.Apply(name, null, hits, actions, _pseudonymise);
        var original = name.ToString();
        actions.Fill(PiiPolicyAction.Redact);
        var placeholderName = PiiRedactor.Apply(name, original, hits, actions, null).Value!;
        var newName = redaction.Action switch
        {
            PiiPolicyAction.Allow => original,
            PiiPolicyAction.Redact or PiiPolicyAction.Pseudonymise => redaction.Value!,
            _ => placeholderName, // a vaulted name is replaced by its placeholder; a dropped one is only counted
        };
        renamed ??= new HashSet<string>(StringComparer.Ordinal);
        var unique = newName;
        for (var n = 2; !renamed.Add(unique); n++) unique = $"{newName}~{n}";
        if (redaction.Action == PiiPolicyAction.Allow) writtenName = unique;
        state.PathLength = nameStart;
        state.Append(redaction.Action == PiiPolicyAction.Allow ? placeholderName : unique);
        Count(state, hits);
        if (redaction.Action == PiiPolicyAction.Vault) state.AddVault(state.IndexedPath(), original);
        return redaction.Action != PiiPolicyAction.Drop;
    }

    private void WriteProperty(JsonElement value, Utf8JsonWriter writer, ScrubState state, int nameStart, string? writtenName)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                WriteName(writer, state, nameStart, writtenName);
                WriteObject(value, writer, state);
                break;
            case JsonValueKind.Array:
                WriteName(writer, state, nameStart, writtenName);
                WriteArray(value, writer, state, nameStart, state.PathLength);
                break;
            case JsonValueKind.String or JsonValueKind.Number:
                var decision = Decide(value, state, nameStart, state.PathLength);
                if (decision.Outcome == Outcome.Omit) break;
                WriteName(writer, state, nameStart, writtenName);
                WriteValue(writer, value, decision);
                break;
            default:
                WriteName(writer, state, nameStart, writtenName);
                value.WriteTo(writer);
                break;
        }
    }

    private static void WriteName(Utf8JsonWriter writer, ScrubState state, int nameStart, string? writtenName)
    {
        if (writtenName is null) writer.WritePropertyName(state.Path[nameStart..]);
        else writer.WritePropertyName(writtenName);
    }

    /// <summary>Writes an array; its items are scanned in the context of the property that holds it (<paramref name="nameStart"/>..<paramref name="nameEnd"/> of the path).</summary>
    private void WriteArray(JsonElement element, Utf8JsonWriter writer, ScrubState state, int nameStart, int nameEnd)
    {
        writer.WriteStartArray();
        var index = 0;
        foreach (var item in element.EnumerateArray())
        {
            var mark = state.PathLength;
            state.PushIndex(index++);
            try
            {
                switch (item.ValueKind)
                {
                    case JsonValueKind.Object: WriteObject(item, writer, state); break;
                    case JsonValueKind.Array: WriteArray(item, writer, state, nameStart, nameEnd); break;
                    case JsonValueKind.String or JsonValueKind.Number:
                        var decision = Decide(item, state, nameStart, nameEnd);
                        if (decision.Outcome != Outcome.Omit) WriteValue(writer, item, decision);
                        break;
                    default: item.WriteTo(writer); break;
                }
            }
            finally
            {
                state.PopIndex();
                state.PathLength = mark;
            }
        }
        writer.WriteEndArray();
    }

    private enum Outcome
    {
        /// <summary>Write the value as it came.</summary>
        Keep,
        /// <summary>Leave the value out (dropped or vaulted).</summary>
        Omit,
        /// <summary>Write <see cref="Decision.Value"/> as a string instead.</summary>
        Replace,
    }

    private readonly record struct Decision(Outcome Outcome, string? Value = null)
    {
        public static Decision Keep => new(Outcome.Keep);
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement value, Decision decision)
    {
        if (decision.Outcome == Outcome.Replace) writer.WriteStringValue(decision.Value);
        else value.WriteTo(writer);
    }

    /// <summary>Scans a string or number and applies the policy to it.</summary>
    private Decision Decide(JsonElement value, ScrubState state, int nameStart, int nameEnd)
    {
        var text = state.Decode(value, out var asString);
        var name = state.Path[nameStart..nameEnd];
        if (_policy.IsAllowed(state.Path, name)) return Decision.Keep;
        var scan = _scanner.Scan(name, text);
        if (!scan.HasHits) return Decision.Keep;
        var hits = scan.Hits;
        Span<PiiPolicyAction> actions = stackalloc PiiPolicyAction[hits.Length <= 32 ? hits.Length : 0];
        if (hits.Length > 32) actions = new PiiPolicyAction[hits.Length];
        for (var i = 0; i < hits.Length; i++) actions[i] = _policy.ActionFor(state.Path, name, hits[i].Detector);
        var redaction = PiiRedactor.Apply(text, asString, hits, actions, _pseudonymise);
        Count(state, hits);
        switch (redaction.Action)
        {
            case PiiPolicyAction.Allow: return Decision.Keep;
            case PiiPolicyAction.Drop: return new Decision(Outcome.Omit);
            case PiiPolicyAction.Vault:
                state.AddVault(state.IndexedPath(), asString ?? text.ToString());
                return new Decision(Outcome.Omit);
            default: return new Decision(Outcome.Replace, redaction.Value);
        }
    }

    private void Count(ScrubState state, ReadOnlySpan<PiiHit> hits)
    {
        state.Hits += hits.Length;
        if (_counter is null) return;
        var property = state.Path.ToString();
        foreach (var hit in hits) _counter.Increment(_projectId, property, hit.Detector);
    }

    /// <summary>
    /// Per-call buffers: the property path in the form policies use (<c>items[].email</c>), the array indexes that
    /// turn it into a vault path (<c>items[2].email</c>), and a buffer for decoded values. Pooled, returned on dispose.
    /// </summary>
    internal sealed class ScrubState : IDisposable
    {
        private char[] _path = ArrayPool<char>.Shared.Rent(256);
        private char[] _text = ArrayPool<char>.Shared.Rent(256);
        private int[] _indexes = new int[8];
        private int _depth;

        public int PathLength;
        public int Hits;
        /// <summary>Whether the name last appended was written with JSON escapes (its raw bytes are not its text).</summary>
        public bool NameHadEscapes;
        public List<PiiVaultItem>? Vault;

        public ReadOnlySpan<char> Path => _path.AsSpan(0, PathLength);

        /// <summary>Appends ".name" (or "name" at the root) and returns where the name starts.</summary>
        public int AppendName(JsonProperty property)
        {
            if (PathLength > 0) Append(".");
            var start = PathLength;
            var raw = JsonMarshal.GetRawUtf8PropertyName(property);
            NameHadEscapes = raw.IndexOf((byte)'\\') >= 0;
            if (NameHadEscapes)
            {
                Append(property.Name);
                return start;
            }
            EnsurePath(PathLength + raw.Length);
            PathLength += Encoding.UTF8.GetChars(raw, _path.AsSpan(PathLength));
            return start;
        }

        public void Append(ReadOnlySpan<char> text)
        {
            EnsurePath(PathLength + text.Length);
            text.CopyTo(_path.AsSpan(PathLength));
            PathLength += text.Length;
        }

        public void PushIndex(int index)
        {
            if (_depth == _indexes.Length) Array.Resize(ref _indexes, _depth * 2);
            _indexes[_depth++] = index;
            Append("[]");
        }

        public void PopIndex() => _depth--;

        /// <summary>The path with array indexes filled in, as the vault records it.</summary>
        public string IndexedPath()
        {
            var builder = new StringBuilder(PathLength + 8);
            var path = Path;
            var level = 0;
            for (var i = 0; i < path.Length; i++)
            {
                if (path[i] == '[' && i + 1 < path.Length && path[i + 1] == ']' && level < _depth)
                {
                    builder.Append('[').Append(_indexes[level++]).Append(']');
                    i++;
                    continue;
                }
                builder.Append(path[i]);
            }
            return builder.ToString();
        }

        /// <summary>The text of a string (unescaped) or number (as written). <paramref name="asString"/> is set when a string had to be allocated anyway.</summary>
        public ReadOnlySpan<char> Decode(JsonElement value, out string? asString)
        {
            asString = null;
            var raw = JsonMarshal.GetRawUtf8Value(value);
            if (value.ValueKind == JsonValueKind.String)
            {
                raw = raw[1..^1];
                if (raw.IndexOf((byte)'\\') >= 0)
                {
                    asString = value.GetString()!;
                    return asString;
                }
            }
            if (_text.Length < raw.Length)
            {
                ArrayPool<char>.Shared.Return(_text);
                _text = ArrayPool<char>.Shared.Rent(raw.Length);
            }
            var count = Encoding.UTF8.GetChars(raw, _text);
            return _text.AsSpan(0, count);
        }

        public void AddVault(string path, string value) => (Vault ??= []).Add(new PiiVaultItem(path, value));

        private void EnsurePath(int length)
        {
            if (length <= _path.Length) return;
            var bigger = ArrayPool<char>.Shared.Rent(Math.Max(length, _path.Length * 2));
            _path.AsSpan(0, PathLength).CopyTo(bigger);
            ArrayPool<char>.Shared.Return(_path);
            _path = bigger;
        }

        /// <summary>Empties the state for another object; false when its buffers grew too big to keep.</summary>
        public bool TryReset()
        {
            PathLength = 0;
            Hits = 0;
            Vault = null;
            _depth = 0;
            return _path.Length <= 4096 && _text.Length <= 4096 && _indexes.Length <= 64;
        }

        public void Dispose()
        {
            ArrayPool<char>.Shared.Return(_path);
            ArrayPool<char>.Shared.Return(_text);
        }
    }
}
