using Veil.Core.Events;
using Veil.Storage.DuckDb;
using static Veil.Storage.Tests.TestEvents;

namespace Veil.Storage.Tests;

/// <summary>The identity map and profiles live in the store file, change atomically with their batch, and survive reopening.</summary>
public class IdentityStoreTests
{
    private const int Project = 11;

    private static StoredEvent Login(int device, int user, string insertId) => new()
    {
        ProjectId = Project,
        Name = "Logged In",
        TimeMs = Day0Ms + 60_000,
        InsertId = insertId,
        DistinctId = Person(user),
        DeviceId = Person(device),
        UserId = Person(user),
        IngestedAtMs = Day0Ms,
    };

    private static ProfileUpdate Set(int subject, string json, long timeMs = Day0Ms) => new()
    {
        ProjectId = Project,
        Subject = Person(subject),
        Operation = "$set",
        ValueJson = json,
        TimeMs = timeMs,
        IngestedAtMs = timeMs,
    };

    [Fact]
    public void Merges_attribute_earlier_anonymous_events_and_survive_reopening()
    {
        using var dir = new TempStoreDirectory();
        using (var store = DuckDbEventStore.Open(dir.StoreFile))
        {
            // Device 100 browses anonymously (its distinct id is the device), then user 7 logs in on it.
            store.Apply(At(1, Batch(Event(Project, "Viewed", Day0Ms, "a-1", person: 100), Event(Project, "Viewed", Day0Ms + 1, "a-2", person: 100))));
            store.Apply(At(2, Batch(Login(100, 7, "l-1"))));
            var person = store.FindPerson(Project, Person(100))!;
            Assert.Equal(Person(7), person.Person);
            Assert.True(person.Identified);
            Assert.Equal(3, person.EventCount);
        }
        using (var reopened = DuckDbEventStore.Open(dir.StoreFile))
        {
            Assert.Equal(Person(7), reopened.FindPerson(Project, Person(100))!.Person);
            // The graph was reloaded too: a second user on the same device does not take it over.
            reopened.Apply(At(3, Batch(Login(100, 8, "l-2"))));
            Assert.Equal(Person(7), reopened.FindPerson(Project, Person(100))!.Person);
            Assert.Equal(Person(8), reopened.FindPerson(Project, Person(8))!.Person);
        }
    }

    [Fact]
    public void Profile_updates_to_a_merged_id_land_on_the_person()
    {
        using var dir = new TempStoreDirectory();
        using var store = DuckDbEventStore.Open(dir.StoreFile);
        store.Apply(At(1, Batch(Login(200, 9, "l-1"))));
        var batch = new IngestBatch();
        batch.ProfileUpdates.Add(Set(200, """{"plan":"pro"}"""));
        batch.ProfileUpdates.Add(Set(9, """{"seats":3}"""));
        store.Apply(At(2, batch));
        var person = store.FindPerson(Project, Person(9))!;
        Assert.Equal("""{"plan":"pro","seats":3}""", person.PropertiesJson);
    }

    [Fact]
    public void Ignore_alias_updates_exactly_the_id_given()
    {
        using var dir = new TempStoreDirectory();
        using var store = DuckDbEventStore.Open(dir.StoreFile);
        store.Apply(At(1, Batch(Login(250, 15, "l-1"))));
        var batch = new IngestBatch();
        batch.ProfileUpdates.Add(Set(15, """{"plan":"pro"}"""));
        var literal = Set(250, """{"kept":"on the device id"}""");
        literal.IgnoreAlias = true;
        batch.ProfileUpdates.Add(literal);
        store.Apply(At(2, batch));
        Assert.Equal("""{"plan":"pro"}""", store.FindPerson(Project, Person(15))!.PropertiesJson);
    }

    [Fact]
    public void A_failed_apply_leaves_neither_merges_nor_profiles_behind()
    {
        using var dir = new TempStoreDirectory();
        using var store = DuckDbEventStore.Open(dir.StoreFile);
        store.FaultPoint = point => { if (point == "before-commit") throw new IOException("simulated crash"); };
        var batch = Batch(Login(300, 10, "l-1"));
        batch.ProfileUpdates.Add(Set(10, """{"plan":"free"}"""));
        Assert.Throws<IOException>(() => store.Apply(At(1, batch)));
        store.FaultPoint = null;
        Assert.Null(store.FindPerson(Project, Person(300)));
        Assert.Null(store.FindPerson(Project, Person(10)));
        // The replay after the failure applies it exactly once.
        store.Apply(At(1, batch));
        Assert.Equal(Person(10), store.FindPerson(Project, Person(300))!.Person);
        Assert.Equal("""{"plan":"free"}""", store.FindPerson(Project, Person(10))!.PropertiesJson);
    }

    [Fact]
    public void Timeline_pages_cover_every_event_of_the_person_once_newest_first()
    {
        using var dir = new TempStoreDirectory();
        using var store = DuckDbEventStore.Open(dir.StoreFile);
        var events = new List<StoredEvent>();
        for (var i = 0; i < 23; i++) events.Add(Event(Project, "E" + i, Day0Ms + (i / 3) * 1000, $"ins-{i:D2}", person: i % 2 == 0 ? 400 : 12));
        events.Add(Event(Project, "Other person", Day0Ms, "x", person: 999));
        store.Apply(At(1, Batch([.. events])));
        store.Apply(At(2, Batch(Login(400, 12, "l-1"))));
        var person = store.FindPerson(Project, Person(400))!;
        var seen = new List<StoredEvent>();
        TimelineCursor? cursor = null;
        while (true)
        {
            var page = store.ReadTimeline(Project, person.Ids, cursor, 5);
            seen.AddRange(page);
            if (page.Count < 5) break;
            cursor = new TimelineCursor(page[^1].TimeMs, page[^1].InsertId);
        }
        Assert.Equal(24, seen.Count);
        Assert.Equal(seen.Count, seen.Select(e => e.InsertId).Distinct().Count());
        Assert.DoesNotContain(seen, e => e.Name == "Other person");
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.First.TimeMs > p.Second.TimeMs
            || (p.First.TimeMs == p.Second.TimeMs && string.CompareOrdinal(p.First.InsertId, p.Second.InsertId) > 0)));
    }
}
