using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Veil.Ingest.Wire;

/// <summary>
/// Decodes Mixpanel ingestion requests (<c>/track</c>, <c>/import</c>, <c>/engage</c>, <c>/groups</c>) from raw
/// bytes into JSON items, accepting every carrier the official SDKs use:
/// <list type="bullet">
/// <item><c>?data=</c> in the query string (Node GETs) or <c>data=</c> in a form body of any Content-Type
/// (browser XHR, <c>sendBeacon</c> as text/plain, Node batches with un-escaped base64);</item>
/// <item>the value as JSON or base64 of JSON (standard or URL-safe alphabet, padding optional, <c>+</c> seen as a space);</item>
/// <item>a JSON object or array body, NDJSON (by Content-Type, or a body whose lines are objects);</item>
/// <item>gzip (by header, or unflagged by its magic bytes), deflate and brotli, decompressed under a size cap.</item>
/// </list>
/// Bad client input never throws: it yields a 400/413 result with a message that names the problem.
/// Validation of each item is separate: <see cref="MixpanelEventValidator"/>, <see cref="MixpanelProfileValidator"/>.
/// </summary>
public static class MixpanelWire
{
    /// <summary>Decodes <paramref name="request"/> sent to <paramref name="endpoint"/>. Dispose the result.</summary>
    public static MixpanelDecodeResult Decode(MixpanelEndpoint endpoint, WireRequest request, WireLimits? limits = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        limits ??= WireLimits.Default;
        var parameters = new Parameters(endpoint);
        byte[]? query = null;
        byte[]? inflated = null;
        try
        {
            var rawQuery = request.RawQueryString.AsSpan();
            if (rawQuery.StartsWith('?')) rawQuery = rawQuery[1..];
            var queryLength = 0;
            var hasQueryData = false;
            Range queryData = default;
            if (!rawQuery.IsEmpty)
            {
                queryLength = Encoding.UTF8.GetByteCount(rawQuery);
                query = ArrayPool<byte>.Shared.Rent(queryLength);
                Encoding.UTF8.GetBytes(rawQuery, query);
                var error = parameters.Read(query.AsSpan(0, queryLength), out hasQueryData, out queryData);
                if (error is not null) return Fail(parameters, MixpanelCarrier.None, 400, error);
                if (hasQueryData && queryData.GetOffsetAndLength(queryLength).Length > limits.MaxBodyBytes)
                    return Fail(parameters, MixpanelCarrier.QueryData, 413, TooLarge(limits.MaxBodyBytes));
            }
            if (request.Body.Length > limits.MaxBodyBytes)
                return Fail(parameters, MixpanelCarrier.None, 413, TooLarge(limits.MaxBodyBytes));

            var body = request.Body;
            var coding = WirePayload.Classify(request.ContentEncoding, body.Span);
            if (coding == ContentCoding.Unsupported)
            {
                return Fail(parameters, MixpanelCarrier.None, 400,
                    $"Content-Encoding `{Shorten(request.ContentEncoding)}` is not supported; send gzip, deflate, br or no encoding");
            }
            if (coding != ContentCoding.Identity)
            {
                switch (WirePayload.Inflate(coding, body, limits.MaxDecodedBytes, out inflated, out var inflatedLength))
                {
                    case WirePayload.InflateStatus.TooLarge:
                        return Fail(parameters, MixpanelCarrier.None, 413, $"decompressed body exceeds max limit of {limits.MaxDecodedBytes} bytes");
                    case WirePayload.InflateStatus.Invalid:
                        return Fail(parameters, MixpanelCarrier.None, 400, $"body is not valid {WirePayload.Name(coding)}");
                }
                body = inflated.AsMemory(0, inflatedLength);
            }

            var span = body.Span;
            var bom = span.StartsWith(WirePayload.Utf8Bom) ? 3 : 0;
            var start = bom + WirePayload.SkipWhitespace(span[bom..]);
            if (start < span.Length)
            {
                if (span[start] is (byte)'{' or (byte)'[')
                {
                    var owned = inflated;
                    inflated = null;
                    var ndjson = span[start] == (byte)'{' && IsNdjsonContentType(request.ContentType);
                    return ParseJson(endpoint, parameters.Build(), body[bom..], owned, MixpanelCarrier.JsonBody, "body", limits, ndjson);
                }
                var form = span[start..];
                var formError = parameters.Read(form, out var hasBodyData, out var bodyData);
                if (formError is not null) return Fail(parameters, MixpanelCarrier.FormData, 400, formError);
                if (hasBodyData) return DecodeData(endpoint, parameters.Build(), form[bodyData], MixpanelCarrier.FormData, limits);
                if (!hasQueryData)
                    return Fail(parameters, MixpanelCarrier.None, 400, "body is neither JSON nor a form with a `data` field");
            }
            if (hasQueryData)
                return DecodeData(endpoint, parameters.Build(), query.AsSpan(0, queryLength)[queryData], MixpanelCarrier.QueryData, limits);
            return Fail(parameters, MixpanelCarrier.None, 400,
                "request has no data: send `data=` (base64 or JSON) in the query string or a form body, or a JSON body");
        }
        finally
        {
            if (query is not null) ArrayPool<byte>.Shared.Return(query);
            if (inflated is not null) ArrayPool<byte>.Shared.Return(inflated);
        }
    }

    /// <summary>Decodes a <c>data</c> value: percent-decoding, then JSON as is or base64 of JSON.</summary>
    private static MixpanelDecodeResult DecodeData(
        MixpanelEndpoint endpoint, MixpanelRequestFlags flags, ReadOnlySpan<byte> raw, MixpanelCarrier carrier, WireLimits limits)
    {
        if (WirePayload.Trim(raw).IsEmpty) return Fail(endpoint, flags, carrier, 400, "`data` is empty");
        // Two spare bytes let base64 restore missing padding in place.
        var buffer = ArrayPool<byte>.Shared.Rent(raw.Length + 2);
        try
        {
            // '+' stays '+' first: in base64 it is a digit (the Node SDK does not escape it). Only JSON gets the form rule.
            var length = FormUrlEncoding.Decode(raw, buffer, plusIsSpace: false);
            var decoded = buffer.AsSpan(0, length);
            if (StartsLikeJson(decoded))
            {
                if (raw.IndexOf((byte)'+') >= 0) length = FormUrlEncoding.Decode(raw, buffer, plusIsSpace: true);
                var owned = buffer;
                buffer = null;
                return ParseJson(endpoint, flags, owned.AsMemory(0, length), owned, carrier, "`data`", limits, ndjsonHint: false);
            }
            if (!LenientBase64.TryDecodeInPlace(buffer, length, out var written))
                return Fail(endpoint, flags, carrier, 400, "`data` is neither JSON nor base64 of JSON");
            if (!StartsLikeJson(buffer.AsSpan(0, written)))
                return Fail(endpoint, flags, carrier, 400, "`data` is neither JSON nor base64 of JSON (it is base64, but of something else)");
            var json = buffer;
            buffer = null;
            return ParseJson(endpoint, flags, json.AsMemory(0, written), json, carrier, "`data` (base64-decoded)", limits, ndjsonHint: false);
        }
        finally
        {
            if (buffer is not null) ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool StartsLikeJson(ReadOnlySpan<byte> span)
    {
        var bom = span.StartsWith(WirePayload.Utf8Bom) ? 3 : 0;
        var first = bom + WirePayload.SkipWhitespace(span[bom..]);
        return first < span.Length && span[first] is (byte)'{' or (byte)'[';
    }

    /// <summary>Parses JSON text into items; takes ownership of <paramref name="owned"/> (the pooled array behind <paramref name="json"/>, if any).</summary>
    private static MixpanelDecodeResult ParseJson(
        MixpanelEndpoint endpoint, MixpanelRequestFlags flags, ReadOnlyMemory<byte> json, byte[]? owned,
        MixpanelCarrier carrier, string source, WireLimits limits, bool ndjsonHint)
    {
        try
        {
            if (json.Span.StartsWith(WirePayload.Utf8Bom)) json = json[3..];
            if (json.Length > limits.MaxDecodedBytes)
                return Fail(endpoint, flags, carrier, 413, $"{source} exceeds max limit of {limits.MaxDecodedBytes} bytes");
            var span = json.Span;
            var first = WirePayload.SkipWhitespace(span);
            if (first == span.Length) return Fail(endpoint, flags, carrier, 400, $"{source} is empty");
            if (span[first] == (byte)'{' && (ndjsonHint || LooksLikeNdjson(span[first..])))
            {
                return ParseNdjson(endpoint, flags, span, carrier == MixpanelCarrier.JsonBody ? MixpanelCarrier.NdjsonBody : carrier, source, limits);
            }

            var bad = WirePayload.FindInvalidUtf8(span);
            if (bad >= 0) return Fail(endpoint, flags, carrier, 400, $"{source} is not valid UTF-8 (invalid byte sequence at offset {bad})");
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = limits.MaxDepth });
            }
            catch (JsonException e)
            {
                return Fail(endpoint, flags, carrier, 400, DescribeJsonError(source, e, limits));
            }
            var root = document.RootElement;
            MixpanelWireItem[] items;
            if (root.ValueKind == JsonValueKind.Object)
            {
                items = [new MixpanelWireItem(0, root)];
            }
            else if (root.ValueKind == JsonValueKind.Array)
            {
                var count = root.GetArrayLength();
                if (count > limits.MaxItems)
                {
                    document.Dispose();
                    return Fail(endpoint, flags, carrier, 400, TooMany(endpoint, count, limits));
                }
                items = new MixpanelWireItem[count];
                var i = 0;
                foreach (var element in root.EnumerateArray())
                {
                    items[i] = new MixpanelWireItem(i, element);
                    i++;
                }
            }
            else
            {
                var kind = JsonChecks.KindName(root.ValueKind);
                document.Dispose();
                return Fail(endpoint, flags, carrier, 400, $"{source} must be a JSON object or an array of objects, got {kind}");
            }
            var result = new MixpanelDecodeResult(endpoint, flags, carrier, document, owned, items, []);
            owned = null;
            return result;
        }
        finally
        {
            if (owned is not null) ArrayPool<byte>.Shared.Return(owned);
        }
    }

    /// <summary>Without a Content-Type saying so, a body is NDJSON when its first line is a whole object and more lines follow.</summary>
    private static bool LooksLikeNdjson(ReadOnlySpan<byte> span)
    {
        var newline = span.IndexOf((byte)'\n');
        if (newline < 0) return false;
        var firstLine = WirePayload.Trim(span[..newline]);
        if (firstLine.IsEmpty || firstLine[^1] != (byte)'}') return false;
        var rest = span[(newline + 1)..];
        return WirePayload.SkipWhitespace(rest) < rest.Length;
    }

    /// <summary>
    /// One item per non-blank line. Lines that are not JSON become item errors and the rest go on; the good lines
    /// are joined into one JSON array so the request still has a single document.
    /// </summary>
    private static MixpanelDecodeResult ParseNdjson(
        MixpanelEndpoint endpoint, MixpanelRequestFlags flags, ReadOnlySpan<byte> span, MixpanelCarrier carrier, string source, WireLimits limits)
    {
        var count = 0;
        foreach (var range in span.Split((byte)'\n'))
        {
            if (!WirePayload.Trim(span[range]).IsEmpty) count++;
        }
        if (count > limits.MaxItems) return Fail(endpoint, flags, carrier, 400, TooMany(endpoint, count, limits));

        // Each separator replaces at least one newline, so the array fits in the input's length plus brackets.
        var combined = ArrayPool<byte>.Shared.Rent(span.Length + 2);
        try
        {
            var errors = new List<ItemError>();
            var indexes = new List<int>(count);
            var position = 0;
            combined[position++] = (byte)'[';
            var lineNumber = 0;
            var index = 0;
            foreach (var range in span.Split((byte)'\n'))
            {
                lineNumber++;
                var line = WirePayload.Trim(span[range]);
                if (line.IsEmpty) continue;
                var bad = WirePayload.FindInvalidUtf8(line);
                if (bad >= 0)
                {
                    errors.Add(new ItemError(index, null, "item", $"line {lineNumber} is not valid UTF-8 (invalid byte sequence at offset {bad})"));
                }
                else if (!IsOneJsonValue(line, limits, out var reason))
                {
                    errors.Add(new ItemError(index, null, "item", $"line {lineNumber} {reason}"));
                }
                else
                {
                    if (indexes.Count > 0) combined[position++] = (byte)',';
                    line.CopyTo(combined.AsSpan(position));
                    position += line.Length;
                    indexes.Add(index);
                }
                index++;
            }
            combined[position++] = (byte)']';

            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(combined.AsMemory(0, position), new JsonDocumentOptions { MaxDepth = limits.MaxDepth + 1 });
            }
            catch (JsonException e)
            {
                return Fail(endpoint, flags, carrier, 400, DescribeJsonError(source, e, limits));
            }
            var items = new MixpanelWireItem[indexes.Count];
            var k = 0;
            foreach (var element in document.RootElement.EnumerateArray())
            {
                items[k] = new MixpanelWireItem(indexes[k], element);
                k++;
            }
            var result = new MixpanelDecodeResult(endpoint, flags, carrier, document, combined, items, errors);
            combined = null;
            return result;
        }
        finally
        {
            if (combined is not null) ArrayPool<byte>.Shared.Return(combined);
        }
    }

    private static bool IsOneJsonValue(ReadOnlySpan<byte> line, WireLimits limits, out string reason)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { MaxDepth = limits.MaxDepth });
        try
        {
            while (reader.Read())
            {
            }
            reason = "";
            return true;
        }
        catch (JsonException e)
        {
            reason = IsDepthError(e) ? $"nests deeper than {limits.MaxDepth} levels" : $"is not valid JSON: {e.Message}";
            return false;
        }
    }

    private static string DescribeJsonError(string source, JsonException e, WireLimits limits) =>
        IsDepthError(e) ? $"{source} nests deeper than {limits.MaxDepth} levels" : $"{source} is not valid JSON: {e.Message}";

    private static bool IsDepthError(JsonException e) => e.Message.Contains("maximum configured depth", StringComparison.Ordinal);

    private static string TooLarge(int limit) => $"request exceeds max limit of {limit} bytes";

    private static string TooMany(MixpanelEndpoint endpoint, int count, WireLimits limits) =>
        $"{count} {(endpoint is MixpanelEndpoint.Engage or MixpanelEndpoint.Groups ? "profile updates" : "events")} in one request; the limit is {limits.MaxItems}";

    private static bool IsNdjsonContentType(string? contentType)
    {
        if (contentType is null) return false;
        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        media = media.Trim();
        return media.Equals("application/x-ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/ndjson", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonl", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/jsonlines", StringComparison.OrdinalIgnoreCase)
            || media.Equals("application/x-jsonlines", StringComparison.OrdinalIgnoreCase);
    }

    private static string Shorten(string? text) =>
        text is null ? "" : text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");

    private static MixpanelDecodeResult Fail(Parameters parameters, MixpanelCarrier carrier, int status, string message) =>
        new(parameters.Endpoint, parameters.Build(), carrier, status, message);

    private static MixpanelDecodeResult Fail(MixpanelEndpoint endpoint, MixpanelRequestFlags flags, MixpanelCarrier carrier, int status, string message) =>
        new(endpoint, flags, carrier, status, message);

    /// <summary>True for a JSONP callback the browser SDK can send: <c>(function(){})</c> or an identifier path like <c>mixpanel._jsc["123"]</c>.</summary>
    internal static bool IsValidCallback(string text)
    {
        if (text == "(function(){})") return true;
        if (text.Length is 0 or > 128) return false;
        var i = 0;
        if (!ReadIdentifier(text, ref i)) return false;
        while (i < text.Length)
        {
            if (text[i] == '.')
            {
                i++;
                if (!ReadIdentifier(text, ref i)) return false;
            }
            else if (text[i] == '[')
            {
                i++;
                var quote = i < text.Length && text[i] is '"' or '\'' ? text[i] : '\0';
                if (quote != '\0') i++;
                var startOfKey = i;
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '$')) i++;
                if (i == startOfKey) return false;
                if (quote != '\0')
                {
                    if (i >= text.Length || text[i] != quote) return false;
                    i++;
                }
                else if (text.AsSpan(startOfKey, i - startOfKey).ContainsAnyExceptInRange('0', '9'))
                {
                    return false;
                }
                if (i >= text.Length || text[i] != ']') return false;
                i++;
            }
            else
            {
                return false;
            }
        }
        return true;
    }

    private static bool ReadIdentifier(string text, ref int i)
    {
        if (i >= text.Length || !(char.IsAsciiLetter(text[i]) || text[i] is '_' or '$')) return false;
        i++;
        while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '$')) i++;
        return true;
    }

    /// <summary>The request parameters found so far, from the query string and then the form body.</summary>
    private sealed class Parameters(MixpanelEndpoint endpoint)
    {
        public MixpanelEndpoint Endpoint { get; } = endpoint;
        private bool _verbose;
        private bool _strict;
        private bool _img;
        private bool _test;
        private bool? _ip;
        private IPAddress? _ipOverride;
        private string? _callback;
        private long? _projectId;

        public MixpanelRequestFlags Build() => new()
        {
            Verbose = _verbose,
            Strict = _strict,
            Img = _img,
            Test = _test,
            Ip = _ip ?? Endpoint == MixpanelEndpoint.Engage,
            IpOverride = _ipOverride,
            Callback = _callback,
            ProjectId = _projectId,
        };

        /// <summary>Reads known parameters from form-encoded bytes; returns an error message for a value that must be refused.</summary>
        public string? Read(ReadOnlySpan<byte> form, out bool hasData, out Range data)
        {
            hasData = false;
            data = default;
            var reader = new FormUrlEncoding.PairReader(form);
            while (reader.Next(out var keyRange, out var valueRange))
            {
                var key = form[keyRange];
                var value = form[valueRange];
                if (FormUrlEncoding.KeyEquals(key, "data"u8))
                {
                    if (hasData) continue;
                    hasData = true;
                    data = valueRange;
                }
                else if (FormUrlEncoding.KeyEquals(key, "verbose"u8)) _verbose = IsTrue(value);
                else if (FormUrlEncoding.KeyEquals(key, "strict"u8)) _strict = IsTrue(value);
                else if (FormUrlEncoding.KeyEquals(key, "img"u8)) _img = IsTrue(value);
                else if (FormUrlEncoding.KeyEquals(key, "test"u8)) _test = IsTrue(value);
                else if (FormUrlEncoding.KeyEquals(key, "ip"u8)) ReadIp(value);
                else if (FormUrlEncoding.KeyEquals(key, "callback"u8))
                {
                    var text = FormUrlEncoding.DecodeShortValue(value, 128);
                    if (text is { Length: 0 }) continue;
                    // Reflected into a text/javascript reply: anything but a plain name would be script injection.
                    if (text is null || !IsValidCallback(text))
                        return "`callback` must be a JavaScript function name such as `mixpanel._jsc[\"12345\"]`";
                    _callback = text;
                }
                else if (FormUrlEncoding.KeyEquals(key, "project_id"u8))
                {
                    var text = FormUrlEncoding.DecodeShortValue(value, 32);
                    if (text is { Length: 0 }) continue;
                    if (text is null || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
                        return "`project_id` must be a number";
                    _projectId = id;
                }
            }
            return null;
        }

        private static bool IsTrue(ReadOnlySpan<byte> raw)
        {
            if (raw.Length == 1) return raw[0] == (byte)'1';
            if (raw.Length > 24) return false;
            Span<byte> decoded = stackalloc byte[raw.Length];
            var text = WirePayload.Trim(decoded[..FormUrlEncoding.Decode(raw, decoded, plusIsSpace: true)]);
            return text.SequenceEqual("1"u8) || Ascii.EqualsIgnoreCase(text, "true"u8);
        }

        private void ReadIp(ReadOnlySpan<byte> raw)
        {
            var text = FormUrlEncoding.DecodeShortValue(raw, 64);
            if (text is null) return;
            if (text is "1" || text.Equals("true", StringComparison.OrdinalIgnoreCase)) _ip = true;
            else if (text is "0" || text.Equals("false", StringComparison.OrdinalIgnoreCase)) _ip = false;
            // IPAddress.TryParse also takes "12" as 0.0.0.12; only dotted or colon forms are addresses here.
            else if (text.AsSpan().IndexOfAny('.', ':') >= 0 && IPAddress.TryParse(text, out var address))
            {
                _ip = true;
                _ipOverride = address;
            }
        }
    }
}
