using System.Text.Json.Serialization;

namespace Veil.Endpoints;

/// <summary>Source-generated JSON for the query endpoints' small bodies.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(TimeZoneBody))]
internal sealed partial class QueryEndpointsJson : JsonSerializerContext;
