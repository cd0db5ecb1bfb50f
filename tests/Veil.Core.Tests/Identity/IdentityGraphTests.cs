using System.Text.Json;
using CsCheck;
using Veil.Core.Identity;
using Veil.Core.Privacy;

namespace Veil.Core.Tests.Identity;

/// <summary>
/// Identity merge scenarios as Mixpanel documents them (identifying-users-simplified and -original), driven by events in
/// the shape mixpanel-browser sends, through the real privacy pipeline, then the identity graph.
/// </summary>
public class IdentityGraphTests
{
    private const int Project = 3;
    private static readonly PseudonymKey Key = new(Enumerable.Repeat((byte)9, 32).ToArray());
    private static readonly ProjectPrivacy Privacy = new(Project, Key);
    private readonly IdentityGraph _graph = new();

    private static Pseudonym P(string id) => Key.ComputeDistinctId(id);

    private Pseudonym PersonOf(string id) => _graph.Resolve(Project, P(id));

    /// <summary>Sends one event through the minimiser and applies its merges, as the store writer does.</summary>
    private void Track(string name, string propertiesJson)
    {
        using var doc = JsonDocument.Parse(propertiesJson);
        var distinct = doc.RootElement.TryGetProperty("distinct_id", out var d) ? d.GetString() : null;
        var stored = new EventMinimiser(NoGeoLocator.Instance)
            .Minimise(new EventInput(name, doc.RootElement, 1_795_000_000_000, null, distinct), Privacy, new RequestContext { NowMs = 1 });
        _graph.Apply(stored);
    }

    private void Anonymous(string device) =>
        Track("Page Viewed", $$"""{"distinct_id":"$device:{{device}}","$device_id":"{{device}}"}""");

    private void Identify(string device, string user) =>
        Track("$identify", $$"""{"distinct_id":"{{user}}","$anon_distinct_id":"$device:{{device}}","$device_id":"{{device}}","$user_id":"{{user}}"}""");

    private void Identified(string device, string user, string name = "Clicked") =>
        Track(name, $$"""{"distinct_id":"{{user}}","$device_id":"{{device}}","$user_id":"{{user}}"}""");

    [Fact]
    public void Anonymous_devices_are_separate_people_until_they_sign_in()
    {
        Anonymous("d1");
        Anonymous("d2");
        Assert.Equal(P("$device:d1"), PersonOf("$device:d1"));
        Assert.NotEqual(PersonOf("$device:d1"), PersonOf("$device:d2"));
    }

    [Fact]
    public void Sign_up_merges_the_device_into_the_user_retroactively()
    {
        Anonymous("d1");
        Identify("d1", "alice");
        // Earlier anonymous events carry distinct id $device:d1, which now resolves to alice: no event is rewritten.
        Assert.Equal(P("alice"), PersonOf("$device:d1"));
        Assert.Equal(P("alice"), PersonOf("d1"));
        Assert.True(_graph.IsIdentified(Project, P("alice")));
    }

    [Fact]
    public void Login_on_more_devices_joins_each_to_the_same_person()
    {
        Anonymous("d1");
        Anonymous("d2");
        Identify("d1", "alice");
        Anonymous("d3");
        Identify("d3", "alice");
        // Simplified ID merge needs no $identify: an event with both ids is enough.
        Identified("d2", "alice");
        Assert.All(new[] { "$device:d1", "$device:d2", "$device:d3", "alice" }, id => Assert.Equal(P("alice"), PersonOf(id)));
        Assert.Equal(4, _graph.IdsOf(Project, P("alice")).Count);
        Assert.Equal(P("alice"), _graph.IdsOf(Project, P("$device:d3"))[0]);
    }

    [Fact]
    public void After_reset_the_new_device_is_a_new_anonymous_person()
    {
        Anonymous("d1");
        Identify("d1", "alice");
        // mixpanel.reset(): a new device id; what happens next is nobody's until someone signs in.
        Anonymous("d4");
        Assert.Equal(P("$device:d4"), PersonOf("$device:d4"));
        Identify("d4", "bob");
        Assert.Equal(P("bob"), PersonOf("$device:d4"));
        Assert.Equal(P("alice"), PersonOf("$device:d1"));
    }

    [Fact]
    public void Two_users_never_merge_through_a_shared_device()
    {
        Anonymous("d1");
        Identify("d1", "alice");
        // bob signs in on alice's device without a reset: the device stays alice's; bob's own events are bob's.
        Identify("d1", "bob");
        Identified("d1", "bob");
        Assert.Equal(P("alice"), PersonOf("$device:d1"));
        Assert.Equal(P("bob"), PersonOf("bob"));
        Assert.Equal(IdentityMergeOutcome.ConflictingUser,
            _graph.Apply(Project, new IdentityMerge(IdentityMergeKind.Identify, P("alice"), P("bob"))));
    }

    [Fact]
    public void Original_identify_with_anon_and_identified_ids()
    {
        Track("$identify", """{"distinct_id":"carol","$identified_id":"carol","$anon_id":"anon-77"}""");
        Assert.Equal(P("carol"), PersonOf("anon-77"));
    }

    [Fact]
    public void Alias_points_at_one_person_only()
    {
        Anonymous("d1");
        // mixpanel.alias("alice@example"): the alias joins the current distinct id.
        Track("$create_alias", """{"distinct_id":"$device:d1","alias":"alice-login"}""");
        Assert.Equal(P("$device:d1"), PersonOf("alice-login"));
        Track("$create_alias", """{"distinct_id":"someone-else","alias":"alice-login"}""");
        Assert.Equal(P("$device:d1"), PersonOf("alice-login"));
        Assert.Equal(IdentityMergeOutcome.AliasTaken,
            _graph.Apply(Project, new IdentityMerge(IdentityMergeKind.Alias, P("alice-login"), P("x"))));
        // Chains are fine: an alias of an alias reaches the same person.
        Track("$create_alias", """{"distinct_id":"alice-login","alias":"alice-2"}""");
        Assert.Equal(P("$device:d1"), PersonOf("alice-2"));
    }

    [Fact]
    public void Merge_joins_any_two_ids_and_keeps_the_identified_one()
    {
        Anonymous("d1");
        Identify("d1", "dave");
        Track("$merge", """{"distinct_id":"dave","$distinct_ids":["dave","erin"]}""");
        Assert.Equal(P("dave"), PersonOf("erin"));
        Assert.Equal(P("dave"), PersonOf("$device:d1"));
        Identify("d9", "frank");
        // $merge of two identified users is allowed (it is explicit); every id follows.
        Track("$merge", """{"distinct_id":"frank","$distinct_ids":["erin","frank"]}""");
        Assert.Equal(PersonOf("frank"), PersonOf("$device:d1"));
        Assert.Equal(PersonOf("frank"), PersonOf("$device:d9"));
    }

    [Fact]
    public void A_person_has_at_most_500_ids()
    {
        for (var i = 0; i < IdentityGraph.MaxIdsPerPerson - 1; i++) Identify("dev" + i, "gina");
        Assert.Equal(IdentityGraph.MaxIdsPerPerson, _graph.IdsOf(Project, P("gina")).Count);
        Identify("one-too-many", "gina");
        Assert.Equal(P("$device:one-too-many"), PersonOf("$device:one-too-many"));
    }

    [Fact]
    public void Projects_do_not_share_identities()
    {
        Identify("d1", "alice");
        Assert.Equal(P("d1"), _graph.Resolve(Project + 1, P("d1")));
    }

    [Fact]
    public void Random_merges_keep_the_map_consistent_and_reload_to_the_same_answers()
    {
        var ids = Gen.Int[0, 30];
        var merge = Gen.Select(Gen.Enum<IdentityMergeKind>(), ids, ids);
        merge.List[0, 120].Sample(merges =>
        {
            var graph = new IdentityGraph();
            var persisted = new Dictionary<Pseudonym, Pseudonym?>();
            foreach (var (kind, a, b) in merges)
            {
                graph.Apply(Project, new IdentityMerge(kind, P("id" + a), P("id" + b)));
                foreach (var row in graph.TakeChanges()) persisted[row.Member] = row.Person;
            }
            var reloaded = new IdentityGraph();
            reloaded.Load(persisted.Select(kv => new IdentityRow(Project, kv.Key, kv.Value)));
            for (var i = 0; i <= 30; i++)
            {
                var id = P("id" + i);
                var person = graph.Resolve(Project, id);
                // A person's id is its own person: resolution never needs more than one step.
                Assert.Equal(person, graph.Resolve(Project, person));
                Assert.Equal(person, reloaded.Resolve(Project, id));
                Assert.Contains(id, graph.IdsOf(Project, id));
                Assert.Equal(graph.IsIdentified(Project, person), reloaded.IsIdentified(Project, person));
            }
        }, iter: 300);
    }
}
