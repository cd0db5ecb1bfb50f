using Veil.Ingest.Wire;
using static Veil.Ingest.Tests.Wire.TestRequests;

namespace Veil.Ingest.Tests.Wire;

/// <summary>Rules of <see cref="MixpanelProfileValidator"/> for /engage and /groups.</summary>
public sealed class MixpanelProfileValidatorTests : IDisposable
{
    private readonly List<MixpanelDecodeResult> _decoded = [];

    public void Dispose()
    {
        foreach (var decoded in _decoded) decoded.Dispose();
    }

    private MixpanelProfileBatch Validate(MixpanelEndpoint endpoint, string json)
    {
        var decoded = MixpanelWire.Decode(endpoint, Post("/engage", "?verbose=1", Form, "data=" + Base64(json)));
        _decoded.Add(decoded);
        Assert.True(decoded.Succeeded, decoded.ErrorMessage);
        return MixpanelProfileValidator.ValidateAll(decoded);
    }

    private MixpanelProfileOperation Accepted(MixpanelEndpoint endpoint, string json)
    {
        var batch = Validate(endpoint, json);
        Assert.Empty(batch.Errors);
        return Assert.Single(batch.Operations);
    }

    private void Rejected(MixpanelEndpoint endpoint, string json, string field, string messagePart)
    {
        var batch = Validate(endpoint, json);
        Assert.Empty(batch.Operations);
        var error = Assert.Single(batch.Errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_user_update_with_modifiers()
    {
        var op = Accepted(MixpanelEndpoint.Engage,
            """{"$token":"T","$distinct_id":42,"$set":{"plan":"pro","tags":["a"]},"$ignore_time":true,"$time":1704164645000,"$ip":"2001:db8::1","$latitude":48.1,"$longitude":"-11.5","$ignore_alias":"true","$device_id":"d","$user_id":"u"}""");
        Assert.Equal("T", op.Token);
        Assert.Equal("42", op.DistinctId);
        Assert.Null(op.GroupKey);
        Assert.Equal("$set", op.Operation);
        Assert.Equal("pro", op.Value.GetProperty("plan").GetString());
        Assert.True(op.IgnoreTime);
        Assert.Equal(1_704_164_645_000, op.TimeMs);
        Assert.Equal("2001:db8::1", op.Ip);
        Assert.Equal(48.1, op.Latitude);
        Assert.Equal(-11.5, op.Longitude);
        Assert.True(op.IgnoreAlias);
    }

    [Fact]
    public void A_group_update()
    {
        var op = Accepted(MixpanelEndpoint.Groups, """{"$token":"T","$group_key":"company","$group_id":"Acme","$set_once":{"industry":"widgets"}}""");
        Assert.Equal(("company", "Acme", null as string), (op.GroupKey, op.GroupId, op.DistinctId));
        Assert.False(op.IgnoreTime);
        Assert.Null(op.TimeMs);
    }

    [Theory]
    [InlineData("""{"$distinct_id":"u","$set":{"a":1}}""", "$token", "missing `$token`")]
    [InlineData("""{"$token":7,"$distinct_id":"u","$set":{"a":1}}""", "$token", "must be a project token, got 7")]
    [InlineData("""{"$token":"T","$set":{"a":1}}""", "$distinct_id", "missing `$distinct_id`")]
    [InlineData("""{"$token":"T","$distinct_id":"","$set":{"a":1}}""", "$distinct_id", "`$distinct_id` is empty")]
    [InlineData("""{"$token":"T","$distinct_id":{},"$set":{"a":1}}""", "$distinct_id", "must be a string or a number, got {}")]
    [InlineData("""{"$token":"T","$distinct_id":"u"}""", "item", "no operator")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"a":1},"$add":{"n":1}}""", "$add", "has both `$set` and `$add`")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$frobnicate":{"a":1}}""", "$frobnicate", "unknown operator `$frobnicate`")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":"pro"}""", "$set", "`$set` must be an object of properties, got \"pro\"")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$add":{"logins":"two"}}""", "$add.logins", "`$add.logins` must be a number to add, got \"two\"")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$union":{"tags":"a"}}""", "$union.tags", "must be a list of values")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$unset":"plan"}""", "$unset", "`$unset` must be a list of property names")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$unset":["ok","bad;name"]}""", "$unset[1]", "contains a semicolon")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"user's plan":"pro"}}""", "$set.user's plan", "contains a single quote")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"a":1},"$time":"yesterday"}""", "$time", "got \"yesterday\"")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"a":1},"$ip":"not-an-ip"}""", "$ip", "must be an IP address")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"a":1},"$latitude":91}""", "$latitude", "from -90 to 90")]
    [InlineData("""{"$token":"T","$distinct_id":"u","$set":{"a":1},"\ud800":1}""", "item", "unpaired UTF-16 surrogate escape")]
    [InlineData("""["not an object"]""", "item", "must be a JSON object")]
    public void Bad_user_updates_are_rejected_naming_the_field(string json, string field, string messagePart) =>
        Rejected(MixpanelEndpoint.Engage, json, field, messagePart);

    [Theory]
    [InlineData("""{"$token":"T","$group_id":"Acme","$set":{"a":1}}""", "$group_key", "missing `$group_key`")]
    [InlineData("""{"$token":"T","$group_key":"company","$set":{"a":1}}""", "$group_id", "missing `$group_id`")]
    [InlineData("""{"$token":"T","$group_key":"company","$group_id":"Acme","$add":{"n":1}}""", "$add", "not supported on group profiles")]
    [InlineData("""{"$token":"T","$group_key":"company","$group_id":"Acme","$append":{"n":1}}""", "$append", "not supported on group profiles")]
    [InlineData("""{"$token":"T","$group_key":"a;b","$group_id":"Acme","$set":{"a":1}}""", "$group_key", "must be a property name")]
    public void Bad_group_updates_are_rejected_naming_the_field(string json, string field, string messagePart) =>
        Rejected(MixpanelEndpoint.Groups, json, field, messagePart);

    [Fact]
    public void Every_operator_with_its_value_shape()
    {
        foreach (var (op, value) in new[]
        {
            ("$set", """{"a":1}"""), ("$set_once", """{"a":1}"""), ("$add", """{"n":-2.5}"""), ("$append", """{"l":{"x":1}}"""),
            ("$union", """{"l":["a","b"]}"""), ("$remove", """{"l":"a"}"""), ("$unset", """["a","b"]"""), ("$delete", "\"\""),
        })
        {
            Assert.Equal(op, Accepted(MixpanelEndpoint.Engage, $$"""{"$token":"T","$distinct_id":"u","{{op}}":{{value}}}""").Operation);
        }
    }

    [Fact]
    public void Unknown_scalar_dollar_keys_and_plain_keys_are_ignored() =>
        Accepted(MixpanelEndpoint.Engage, """{"$token":"T","$distinct_id":"u","$set":{"a":1},"$had_persisted_distinct_id":true,"extra":{"x":1}}""");

    [Fact]
    public void Union_lists_and_profile_values_follow_the_limits()
    {
        var list = "[" + string.Join(",", Enumerable.Range(0, 256)) + "]";
        Rejected(MixpanelEndpoint.Engage, """{"$token":"T","$distinct_id":"u","$union":{"l":""" + list + "}}", "$union.l", "has 256 items; the limit is 255");
        var many = string.Join(",", Enumerable.Range(0, 1000).Select(i => $"\"p{i}\":{i}"));
        Assert.Equal(1000, Accepted(MixpanelEndpoint.Engage, """{"$token":"T","$distinct_id":"u","$set":{""" + many + "}}").Value.GetPropertyCount());
    }

    [Fact]
    public void One_bad_update_does_not_spoil_the_batch()
    {
        var batch = Validate(MixpanelEndpoint.Engage,
            """[{"$token":"T","$distinct_id":"u","$set":{"a":1}},{"$token":"T","$set":{"a":1}},{"$token":"T","$distinct_id":"v","$delete":""}]""");
        Assert.Equal([0, 2], batch.Operations.Select(o => o.Index));
        Assert.Equal("profile update 1: missing `$distinct_id`", Assert.Single(batch.Errors).Describe("profile update"));
    }
}
