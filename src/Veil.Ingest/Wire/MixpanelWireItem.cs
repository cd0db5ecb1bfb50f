using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>One decoded event or profile update, not yet validated.</summary>
/// <param name="Index">Position in the request, from 0.</param>
/// <param name="Value">The item's JSON; valid until the owning <see cref="MixpanelDecodeResult"/> is disposed.</param>
public readonly record struct MixpanelWireItem(int Index, JsonElement Value);
