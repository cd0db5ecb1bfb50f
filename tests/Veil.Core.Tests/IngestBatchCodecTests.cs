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
