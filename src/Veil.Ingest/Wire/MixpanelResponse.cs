namespace Veil.Ingest.Wire;

/// <summary>An HTTP reply in the shape a Mixpanel SDK expects.</summary>
/// <param name="StatusCode">HTTP status.</param>
/// <param name="ContentType">Value for the <c>Content-Type</c> header.</param>
/// <param name="Body">Body bytes; may be shared between responses, never write to it.</param>
/// <param name="Error">
/// The reason for a non-200 (or a partial) reply as a developer would want it, even when the body cannot carry it
/// (plain <c>0</c>). For logs only after the host strips anything personal; may quote client input.
/// </param>
public sealed record MixpanelResponse(int StatusCode, string ContentType, ReadOnlyMemory<byte> Body, string? Error = null);
