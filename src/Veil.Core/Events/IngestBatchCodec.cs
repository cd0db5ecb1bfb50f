using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Veil.Core.Privacy;

namespace Veil.Core.Events;

/// <summary>
/// The binary form of an <see cref="IngestBatch"/> as the WAL stores it. Versioned by a leading byte so
/// records written by older builds stay readable.
/// </summary>
public static class IngestBatchCodec
{
    private const byte Version = 1;

    // Low-cardinality columns (event names, countries, browsers…) decode into strings shared between events.
    private static readonly ShortTextCache Repeated = new(512);

    /// <summary>Writes <paramref name="batch"/> to <paramref name="output"/>.</summary>
    public static void Write(IngestBatch batch, IBufferWriter<byte> output)
    {
        var w = new Writer(output);
        w.Byte(Version);
        w.Int(batch.Events.Count);
        foreach (var e in batch.Events)
        {
            // One span per event instead of a buffer call per field: most of the encoding cost was those calls. The
            // worst case (3 bytes per char) is asked for only when it fits anyway; otherwise the exact size, so a
            // buffer sized for the batch does not grow because of a bound.
            var span = output.GetSpan();
            if (span.Length < MaxEventBytes(e)) span = output.GetSpan(EventBytes(e));
            output.Advance(WriteEvent(e, span));
        }
        w.Int(batch.ProfileUpdates.Count);
        foreach (var u in batch.ProfileUpdates)
        {
            w.Int(u.ProjectId);
            w.Byte((byte)u.Kind);
            w.NullableString(u.GroupKey);
            w.Pseudonym(u.Subject);
            w.String(u.Operation);
            w.String(u.ValueJson);
            w.Long(u.TimeMs);
            // Flags: bit 0 $ignore_time, bit 1 $ignore_alias (added later; older records have it clear).
            w.Byte((byte)((u.IgnoreTime ? 1 : 0) | (u.IgnoreAlias ? 2 : 0)));
            w.Long(u.IngestedAtMs);
        }
    }

    // Fixed part of an event: project id, time, ingestion time; 4 pseudonyms with their flag; the browser version with
    // its flag; the length prefixes of its 15 strings.
    private const int FixedEventBytes = 4 + 8 + 8 + 4 * 17 + 5 + 15 * 4;

    private static int MaxEventBytes(StoredEvent e) => FixedEventBytes + 3 * Chars(e);

    private static int Chars(StoredEvent e) => e.Name.Length + e.InsertId.Length + e.PropertiesJson.Length
        + (e.Country?.Length ?? 0) + (e.Region?.Length ?? 0) + (e.City?.Length ?? 0) + (e.Browser?.Length ?? 0) + (e.Os?.Length ?? 0)
        + (e.OsVersion?.Length ?? 0) + (e.DeviceType?.Length ?? 0) + (e.Lib?.Length ?? 0) + (e.LibVersion?.Length ?? 0)
        + (e.Url?.Length ?? 0) + (e.ReferrerHost?.Length ?? 0) + (e.Screen?.Length ?? 0);

    private static int EventBytes(StoredEvent e) => FixedEventBytes + Utf8(e.Name) + Utf8(e.InsertId) + Utf8(e.PropertiesJson)
        + Utf8(e.Country) + Utf8(e.Region) + Utf8(e.City) + Utf8(e.Browser) + Utf8(e.Os) + Utf8(e.OsVersion) + Utf8(e.DeviceType)
        + Utf8(e.Lib) + Utf8(e.LibVersion) + Utf8(e.Url) + Utf8(e.ReferrerHost) + Utf8(e.Screen);

    private static int Utf8(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    /// <summary>Writes one event into <paramref name="span"/> (which holds at least <see cref="EventBytes"/>); returns the bytes written.</summary>
    private static int WriteEvent(StoredEvent e, Span<byte> span)
    {
        var w = new SpanWriter(span);
        w.Int(e.ProjectId);
        w.String(e.Name);
        w.Long(e.TimeMs);
        w.String(e.InsertId);
        w.Pseudonym(e.DistinctId);
        w.Pseudonym(e.DeviceId);
        w.Pseudonym(e.UserId);
        w.Pseudonym(e.SessionId);
        w.String(e.Country);
        w.String(e.Region);
        w.String(e.City);
        w.String(e.Browser);
        w.NullableInt(e.BrowserVersion);
        w.String(e.Os);
        w.String(e.OsVersion);
        w.String(e.DeviceType);
        w.String(e.Lib);
        w.String(e.LibVersion);
        w.String(e.Url);
        w.String(e.ReferrerHost);
        w.String(e.Screen);
        w.String(e.PropertiesJson);
        w.Long(e.IngestedAtMs);
        return w.Position;
    }

    /// <summary>
    /// At least the encoded size of <paramref name="batch"/> when its text is ASCII (more is needed otherwise), capped at
    /// 64 MiB: the buffer to start with, so encoding a batch seldom grows and copies it.
    /// </summary>
    public static int EstimateSize(IngestBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        long size = 16;
        foreach (var e in batch.Events) size += FixedEventBytes + Chars(e);
        foreach (var u in batch.ProfileUpdates) size += 64 + u.Operation.Length + u.ValueJson.Length + (u.GroupKey?.Length ?? 0);
        return (int)Math.Min(size, 64 * 1024 * 1024);
    }

    /// <summary>Encodes <paramref name="batch"/> into a new array.</summary>
    public static byte[] Encode(IngestBatch batch)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(batch, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a batch written by <see cref="Write"/>.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a batch this build understands.</exception>
    public static IngestBatch Decode(ReadOnlySpan<byte> data)
    {
        var r = new Reader(data);
        var version = r.Byte();
        if (version != Version) throw new InvalidDataException($"Unknown WAL batch version {version}.");
        var batch = new IngestBatch();
        var events = r.Count();
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(new StoredEvent
            {
                ProjectId = r.Int(),
                Name = r.String(repeated: true),
                TimeMs = r.Long(),
                InsertId = r.String(),
                DistinctId = r.Pseudonym(),
                DeviceId = r.Pseudonym(),
                UserId = r.Pseudonym(),
                SessionId = r.Pseudonym(),
                Country = r.NullableString(repeated: true),
                Region = r.NullableString(repeated: true),
                City = r.NullableString(repeated: true),
                Browser = r.NullableString(repeated: true),
                BrowserVersion = r.NullableInt(),
                Os = r.NullableString(repeated: true),
                OsVersion = r.NullableString(repeated: true),
                DeviceType = r.NullableString(repeated: true),
                Lib = r.NullableString(repeated: true),
                LibVersion = r.NullableString(repeated: true),
                Url = r.NullableString(),
                ReferrerHost = r.NullableString(repeated: true),
                Screen = r.NullableString(repeated: true),
                PropertiesJson = r.String(),
                IngestedAtMs = r.Long(),
            });
        }
        var updates = r.Count();
        for (var i = 0; i < updates; i++)
        {
            var update = new ProfileUpdate
            {
                ProjectId = r.Int(),
                Kind = (ProfileKind)r.Byte(),
                GroupKey = r.NullableString(),
                Subject = r.Pseudonym() ?? throw new InvalidDataException("Profile update without subject."),
                Operation = r.String(repeated: true),
                ValueJson = r.String(),
                TimeMs = r.Long(),
            };
            var flags = r.Byte();
            update.IgnoreTime = (flags & 1) != 0;
            update.IgnoreAlias = (flags & 2) != 0;
            update.IngestedAtMs = r.Long();
            batch.ProfileUpdates.Add(update);
        }
        if (!r.AtEnd) throw new InvalidDataException("Trailing bytes after WAL batch.");
        return batch;
    }

    private ref struct Writer(IBufferWriter<byte> output)
    {
        private readonly IBufferWriter<byte> _output = output;

        public readonly void Byte(byte value)
        {
            _output.GetSpan(1)[0] = value;
            _output.Advance(1);
        }

        public readonly void Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_output.GetSpan(4), value);
            _output.Advance(4);
        }

        public readonly void Long(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_output.GetSpan(8), value);
            _output.Advance(8);
        }

        public readonly void Pseudonym(Pseudonym? value)
        {
            Byte(value.HasValue ? (byte)1 : (byte)0);
            if (!value.HasValue) return;
            value.Value.WriteBytes(_output.GetSpan(16));
            _output.Advance(16);
        }

        public readonly void String(string value)
        {
            var max = Encoding.UTF8.GetMaxByteCount(value.Length);
            var span = _output.GetSpan(max + 4);
            var length = Encoding.UTF8.GetBytes(value, span[4..]);
            BinaryPrimitives.WriteInt32LittleEndian(span, length);
            _output.Advance(length + 4);
        }

        public readonly void NullableString(string? value)
        {
            if (value is null)
            {
                Int(-1);
                return;
            }
            String(value);
        }
    }

    /// <summary>The same encoding as <see cref="Writer"/>, into a span known to be large enough.</summary>
    private ref struct SpanWriter(Span<byte> span)
    {
        private readonly Span<byte> _span = span;

        public int Position { get; private set; }

        public void Int(int value)
        {
            BinaryPrimitives.WriteInt32LittleEndian(_span[Position..], value);
            Position += 4;
        }

        public void Long(long value)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_span[Position..], value);
            Position += 8;
        }

        public void NullableInt(int? value)
        {
            _span[Position++] = value.HasValue ? (byte)1 : (byte)0;
            if (value.HasValue) Int(value.Value);
        }

        public void Pseudonym(Pseudonym? value)
        {
            _span[Position++] = value.HasValue ? (byte)1 : (byte)0;
            if (!value.HasValue) return;
            value.Value.WriteBytes(_span[Position..]);
            Position += 16;
        }

        /// <summary>A length-prefixed string; null as length -1.</summary>
        public void String(string? value)
        {
            if (value is null)
            {
                Int(-1);
                return;
            }
            var length = Encoding.UTF8.GetBytes(value, _span[(Position + 4)..]);
            BinaryPrimitives.WriteInt32LittleEndian(_span[Position..], length);
            Position += length + 4;
        }
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _position + count > _data.Length) throw new InvalidDataException("WAL batch is truncated.");
            var slice = _data.Slice(_position, count);
            _position += count;
            return slice;
        }

        public byte Byte() => Take(1)[0];
        public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public int Count()
        {
            var count = Int();
            if (count < 0) throw new InvalidDataException("Negative count in WAL batch.");
            return count;
        }

        public int? NullableInt() => Byte() == 0 ? null : Int();

        public Pseudonym? Pseudonym() => Byte() == 0 ? null : Privacy.Pseudonym.FromBytes(Take(16));

        public string String(bool repeated = false) => NullableString(repeated) ?? throw new InvalidDataException("Unexpected null string in WAL batch.");

        // Repeated: a low-cardinality column, decoded through the shared strings.
        public string? NullableString(bool repeated = false)
        {
            var length = Int();
            if (length == -1) return null;
            var bytes = Take(length);
            return repeated ? Repeated.Get(bytes) : Encoding.UTF8.GetString(bytes);
        }
    }
}
