namespace Veil.Ingest.Wire;

/// <summary>
/// One HTTP request as the host received it, before any framework parsing (no form binding, no decompression).
/// </summary>
/// <param name="Method">HTTP method, e.g. <c>POST</c>.</param>
/// <param name="Path">Request path, e.g. <c>/track/</c>.</param>
/// <param name="RawQueryString">The query string exactly as sent, still percent-encoded, with or without the leading <c>?</c>.</param>
/// <param name="ContentType">The <c>Content-Type</c> header, if any.</param>
/// <param name="ContentEncoding">The <c>Content-Encoding</c> header, if any.</param>
/// <param name="Body">
/// The body bytes as received (compressed if the client compressed them). A decoder may parse these bytes in place
/// without copying, so keep them unchanged until the decode result is disposed.
/// </param>
public sealed record WireRequest(
    string Method,
    string Path,
    string RawQueryString,
    string? ContentType,
    string? ContentEncoding,
    ReadOnlyMemory<byte> Body);
