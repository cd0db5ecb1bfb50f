using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiHitCounterTests
{
    [Fact]
    public void Counts_per_project_property_and_detector_from_many_threads()
    {
        var counter = new PiiHitCounter();
        Parallel.For(0, 8, worker =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                counter.Increment(1, "email", PiiDetector.Email);
                counter.Increment(worker % 2 + 1, "note", i % 2 == 0 ? PiiDetector.Phone : PiiDetector.PaymentCard);
            }
        });
        var snapshot = counter.Snapshot();
        Assert.Equal(
            [
                new PiiHitCount(1, "email", PiiDetector.Email, 80_000),
                new PiiHitCount(1, "note", PiiDetector.Phone, 20_000),
                new PiiHitCount(1, "note", PiiDetector.PaymentCard, 20_000),
                new PiiHitCount(2, "note", PiiDetector.Phone, 20_000),
                new PiiHitCount(2, "note", PiiDetector.PaymentCard, 20_000),
            ],
            snapshot);
    }

    [Fact]
    public void Snapshots_are_copies()
    {
        var counter = new PiiHitCounter();
        counter.Increment(1, "email", PiiDetector.Email, 3);
        var before = counter.Snapshot();
        counter.Increment(1, "email", PiiDetector.Email);
        Assert.Equal(3, Assert.Single(before).Count);
        Assert.Equal(4, Assert.Single(counter.Snapshot()).Count);
    }

    [Fact]
    public void Distinct_keys_are_capped_so_senders_cannot_grow_it_forever()
    {
        var counter = new PiiHitCounter(maxKeys: 10);
        for (var i = 0; i < 100; i++) counter.Increment(1, $"prop{i}", PiiDetector.Email);
        var snapshot = counter.Snapshot();
        Assert.True(snapshot.Count <= 11);
        Assert.Equal(100, snapshot.Sum(c => c.Count));
        Assert.Contains(snapshot, c => c.PropertyName == PiiHitCounter.OverflowProperty);
    }
}
