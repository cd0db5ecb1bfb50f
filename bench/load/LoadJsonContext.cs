using System.Text.Json.Serialization;

namespace Veil.Load;

/// <summary>Source-generated JSON for results and reports (snake_case, like the rest of Veil's JSON).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LoadResult))]
[JsonSerializable(typeof(IngestReport))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
