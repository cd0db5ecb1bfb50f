using Veil.Core.Events;

namespace Veil.Endpoints;

/// <summary>Reads request bodies raw, with a limit, so oversized bodies get a clear 413 instead of a form-parser error.</summary>
public static class RequestBodies
{
    /// <summary>
    /// The whole body in a pooled buffer (dispose it when done), or null when it is larger than <paramref name="maxBytes"/>.
    /// </summary>
    public static async Task<PooledBufferWriter?> ReadAsync(HttpRequest request, long maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } declared && declared > maxBytes) return null;
        var buffer = new PooledBufferWriter((int)Math.Min(request.ContentLength ?? 4096, maxBytes) + 1);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(8192);
                var read = await request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0) break;
                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                {
                    buffer.Dispose();
                    return null;
                }
            }
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }
}
