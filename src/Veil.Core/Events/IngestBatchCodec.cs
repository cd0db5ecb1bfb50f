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
            w.Int(e.ProjectId);
            w.String(e.Name);
            w.Long(e.TimeMs);
            w.String(e.InsertId);
            w.Pseudonym(e.DistinctId);
            w.Pseudonym(e.DeviceId);
            w.Pseudonym(e.UserId);
            w.Pseudonym(e.SessionId);
            w.NullableString(e.Country);
            w.NullableString(e.Region);
            w.NullableString(e.City);
            w.NullableString(e.Browser);
            w.NullableInt(e.BrowserVersion);
            w.NullableString(e.Os);
            w.NullableString(e.OsVersion);
            w.NullableString(e.DeviceType);
            w.NullableString(e.Lib);
            w.NullableString(e.LibVersion);
            w.NullableString(e.Url);
            w.NullableString(e.ReferrerHost);
            w.NullableString(e.Screen);
            w.String(e.PropertiesJson);
            w.Long(e.IngestedAtMs);
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

        public readonly void NullableInt(int? value)
        {
            Byte(value.HasValue ? (byte)1 : (byte)0);
            if (value.HasValue) Int(value.Value);
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
