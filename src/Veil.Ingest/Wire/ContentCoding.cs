namespace Veil.Ingest.Wire;

/// <summary>A body's compression, from its Content-Encoding header or its magic bytes.</summary>
internal enum ContentCoding
{
    Identity,
    Gzip,
    Deflate,
    Brotli,
    Unsupported,
}
