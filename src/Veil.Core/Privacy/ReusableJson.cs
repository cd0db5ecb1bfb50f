using System.Buffers;
using System.Text.Json;

namespace Veil.Core.Privacy;

/// <summary>
/// Per-thread JSON writers for the pipeline: one for the minimised properties, one for their scrubbed copy. Reusing
/// them saves a buffer and a writer per event on the hot path. A writer is handed out reset and must be finished
/// before the same thread asks for it again.
/// </summary>
internal static class ReusableJson
{
    [ThreadStatic] private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? _first;
    [ThreadStatic] private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? _second;

    public static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) First() => Take(ref _first);

    public static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) Second() => Take(ref _second);

    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) Take(ref (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer)? slot)
    {
        if (slot is { } pair)
        {
            // Do not let one huge event pin a huge buffer to the thread.
            if (pair.Buffer.Capacity > 1 << 20)
            {
                slot = null;
                return Take(ref slot);
            }
            pair.Buffer.ResetWrittenCount();
            pair.Writer.Reset(pair.Buffer);
            return pair;
        }
        var buffer = new ArrayBufferWriter<byte>(1024);
        var created = (buffer, new Utf8JsonWriter(buffer));
        slot = created;
        return created;
    }
}
