using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Veil.Storage.DuckDb;

/// <summary>
/// Keeps the JSON columns parseable. DuckDB's appender stores any text in a JSON column, and one malformed
/// value would make every later <c>json_extract</c> over it fail; rejecting it instead would block the WAL.
/// </summary>
internal static class JsonColumn
{
    /// <summary>Key under which a malformed value is kept, as a JSON string.</summary>
    public const string InvalidKey = "$veil_invalid_json";

    private const int StackLimit = 1024;
    private static readonly JsonReaderOptions Options = new() { MaxDepth = 256 };

    /// <summary><paramref name="json"/> itself if it is one well-formed JSON value, else it wrapped as a string.</summary>
    public static string EnsureValid(string json) => IsValid(json) ? json : Wrap(json);

    /// <summary>
    /// The UTF-8 bytes of <see cref="EnsureValid"/>'s result, written into <paramref name="buffer"/> (grown when too
    /// small). The appender would make these bytes from the string anyway; making them here checks and converts once.
    /// </summary>
    public static Span<byte> EnsureValidUtf8(string json, ref byte[] buffer)
    {
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        if (buffer.Length < max) buffer = new byte[Math.Max(max, buffer.Length * 2)];
        var length = Encoding.UTF8.GetBytes(json, buffer);
        if (IsValid(buffer.AsSpan(0, length))) return buffer.AsSpan(0, length);
        var wrapped = Wrap(json);
        if (buffer.Length < Encoding.UTF8.GetMaxByteCount(wrapped.Length)) buffer = new byte[Encoding.UTF8.GetMaxByteCount(wrapped.Length)];
        return buffer.AsSpan(0, Encoding.UTF8.GetBytes(wrapped, buffer));
    }

    public static bool IsValid(string json)
    {
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        byte[]? rented = null;
        var buffer = max <= StackLimit ? stackalloc byte[StackLimit] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var length = Encoding.UTF8.GetBytes(json, buffer);
            return IsValid(buffer[..length]);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8, Options);
            if (!reader.Read()) return false;
            reader.Skip();
            // A second value or trailing garbage throws here (multiple values are not allowed).
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Wrap(string json)
    {
        var output = new ArrayBufferWriter<byte>(json.Length + 32);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString(InvalidKey, json);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(output.WrittenSpan);
    }
}
