using CsCheck;
using Veil.Core.Events;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class IngestBatchCodecTests
{
    private static readonly Gen<Pseudonym?> GenPseudonym =
        Gen.Frequency((1, Gen.Const((Pseudonym?)null)), (3, Gen.ULong.Select(Gen.ULong, (a, b) => (Pseudonym?)new Pseudonym(new UInt128(a, b)))));

    private static readonly Gen<string?> GenText = Gen.Frequency((1, Gen.Const((string?)null)), (3, Gen.String.Select(s => (string?)s)));

    private static readonly Gen<StoredEvent> GenEvent =
        Gen.Select(Gen.Int, Gen.String, Gen.Long, GenPseudonym, GenPseudonym, GenText, Gen.Int[0, 200].Select(v => v == 0 ? (int?)null : v), GenText)
            .Select((t) => new StoredEvent
            {
                ProjectId = t.Item1,
                Name = t.Item2,
                TimeMs = t.Item3,
                InsertId = t.Item2 + "i",
                DistinctId = t.Item4,
                DeviceId = t.Item5,
                Country = t.Item6,
                BrowserVersion = t.Item7,
                Url = t.Item8,
                PropertiesJson = "{\"a\":1}",
                IngestedAtMs = t.Item3 / 2,
            });

    [Fact]
    public void Batches_round_trip()
    {
        Gen.Select(GenEvent.List[0, 20], GenPseudonym.List[0, 5]).Sample((events, subjects) =>
        {
            var batch = new IngestBatch();
            batch.Events.AddRange(events);
            foreach (var s in subjects)
            {
                batch.ProfileUpdates.Add(new ProfileUpdate { ProjectId = 3, Subject = s ?? default, Operation = "$set", ValueJson = "{\"plan\":\"pro\"}", GroupKey = s is null ? "company" : null, Kind = s is null ? ProfileKind.Group : ProfileKind.User, IgnoreTime = s is null, IgnoreAlias = s is { } p && (p.Value & 1) == 0 });
            }
            var decoded = IngestBatchCodec.Decode(IngestBatchCodec.Encode(batch));
            Assert.Equal(Describe(batch), Describe(decoded));
        });
    }

    [Fact]
    public void Repeated_short_values_decode_exactly_and_share_one_string()
    {
        // Few distinct values (so they repeat and collide in the decoder's table) mixed with long and non-ASCII ones.
        var gen = Gen.OneOf(Gen.Const("US"), Gen.Const("DE"), Gen.Const("Page View"), Gen.Char['a', 'c'].Array[0, 3].Select(c => new string(c)),
            Gen.String, Gen.Const(new string('é', 40)));
        gen.Select(gen).List[1, 300].Sample(pairs =>
        {
            var batch = new IngestBatch();
            foreach (var (name, country) in pairs) batch.Events.Add(new StoredEvent { Name = name, Country = country, InsertId = "i" });
            var decoded = IngestBatchCodec.Decode(IngestBatchCodec.Encode(batch));
            Assert.Equal(pairs.Select(p => p.Item1), decoded.Events.Select(e => e.Name));
            Assert.Equal(pairs.Select(p => p.Item2), decoded.Events.Select(e => e.Country));
        });
        var twice = new IngestBatch();
        twice.Events.Add(new StoredEvent { Name = "Signed Up", Country = "FR", InsertId = "a" });
        twice.Events.Add(new StoredEvent { Name = "Signed Up", Country = "FR", InsertId = "b" });
        var events = IngestBatchCodec.Decode(IngestBatchCodec.Encode(twice)).Events;
        Assert.Same(events[0].Name, events[1].Name);
        Assert.Same(events[0].Country, events[1].Country);
    }

    [Fact]
    public void Truncated_or_foreign_bytes_are_rejected_not_misread()
    {
        var batch = new IngestBatch();
        batch.Events.Add(new StoredEvent { Name = "x", InsertId = "i" });
        var bytes = IngestBatchCodec.Encode(batch);
        for (var cut = 0; cut < bytes.Length; cut++)
        {
            Assert.Throws<InvalidDataException>(() => IngestBatchCodec.Decode(bytes.AsSpan(0, cut)));
        }
        bytes[0] = 99;
        Assert.Throws<InvalidDataException>(() => IngestBatchCodec.Decode(bytes));
    }

    [Fact]
    public void Events_encode_to_the_documented_layout_whatever_room_the_buffer_gives()
    {
        // Strings of any text (surrogates, lone ones included) in every column; the encoder writes into one span per
        // event, so a writer that hands out exactly what is asked for must get the same bytes as a roomy one.
        var text = Gen.Frequency((1, Gen.Const((string?)null)), (2, Gen.String.Select(s => (string?)s)), (1, Gen.Char.Array[0, 80].Select(c => (string?)new string(c))));
        var gen = Gen.Select(GenEvent, text.Array[13], GenPseudonym, GenPseudonym).Select(t =>
        {
            var (e, texts, user, session) = t;
            e.Name = texts[0] ?? "";
            e.PropertiesJson = texts[1] ?? "{}";
            e.Region = texts[2];
            e.City = texts[3];
            e.Browser = texts[4];
            e.Os = texts[5];
            e.OsVersion = texts[6];
            e.DeviceType = texts[7];
            e.Lib = texts[8];
            e.LibVersion = texts[9];
            e.ReferrerHost = texts[10];
            e.Screen = texts[11];
            e.InsertId = texts[12] ?? "";
            e.UserId = user;
            e.SessionId = session;
            return e;
        });
        gen.List[0, 12].Sample(events =>
        {
            var batch = new IngestBatch();
            batch.Events.AddRange(events);
            var expected = Reference(events);
            var roomy = new System.Buffers.ArrayBufferWriter<byte>(1 << 16);
            IngestBatchCodec.Write(batch, roomy);
            var stingy = new StingyBufferWriter();
            IngestBatchCodec.Write(batch, stingy);
            Assert.Equal(expected, roomy.WrittenSpan.ToArray());
            Assert.Equal(expected, stingy.Written.ToArray());
        });
    }

    /// <summary>Version 1 as written before the span encoder, field by field: the format WAL files on disk hold.</summary>
    private static byte[] Reference(List<StoredEvent> events)
    {
        var bytes = new List<byte> { 1 };
        void Int(int v) => bytes.AddRange(BitConverter.GetBytes(v));
        void Long(long v) => bytes.AddRange(BitConverter.GetBytes(v));
        void Str(string? v)
        {
            if (v is null)
            {
                Int(-1);
                return;
            }
            var utf8 = System.Text.Encoding.UTF8.GetBytes(v);
            Int(utf8.Length);
            bytes.AddRange(utf8);
        }
        void Pseudo(Pseudonym? p)
        {
            bytes.Add(p.HasValue ? (byte)1 : (byte)0);
            if (p is not { } value) return;
            var b = new byte[16];
            value.WriteBytes(b);
            bytes.AddRange(b);
        }
        Int(events.Count);
        foreach (var e in events)
        {
            Int(e.ProjectId);
            Str(e.Name);
            Long(e.TimeMs);
            Str(e.InsertId);
            Pseudo(e.DistinctId);
            Pseudo(e.DeviceId);
            Pseudo(e.UserId);
            Pseudo(e.SessionId);
            foreach (var v in new[] { e.Country, e.Region, e.City, e.Browser }) Str(v);
            bytes.Add(e.BrowserVersion.HasValue ? (byte)1 : (byte)0);
            if (e.BrowserVersion is { } version) Int(version);
            foreach (var v in new[] { e.Os, e.OsVersion, e.DeviceType, e.Lib, e.LibVersion, e.Url, e.ReferrerHost, e.Screen, e.PropertiesJson }) Str(v);
            Long(e.IngestedAtMs);
        }
        Int(0);
        return [.. bytes];
    }

    /// <summary>Gives exactly the room asked for (one byte when asked for none), in a fresh array each time.</summary>
    private sealed class StingyBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        private readonly List<byte> _written = [];
        private byte[] _current = [];

        public IReadOnlyList<byte> Written => _written;

        public void Advance(int count) => _written.AddRange(_current.AsSpan(0, count).ToArray());

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];

        public Span<byte> GetSpan(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1)];
    }

    private static string Describe(IngestBatch batch) =>
        string.Join("|", batch.Events.Select(e => System.Text.Json.JsonSerializer.Serialize(e))) + "#" +
        string.Join("|", batch.ProfileUpdates.Select(u => System.Text.Json.JsonSerializer.Serialize(u)));
}
