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

    private static string Describe(IngestBatch batch) =>
        string.Join("|", batch.Events.Select(e => System.Text.Json.JsonSerializer.Serialize(e))) + "#" +
        string.Join("|", batch.ProfileUpdates.Select(u => System.Text.Json.JsonSerializer.Serialize(u)));
}
