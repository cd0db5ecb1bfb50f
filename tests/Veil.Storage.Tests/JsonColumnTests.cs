using Veil.Storage.DuckDb;

namespace Veil.Storage.Tests;

public sealed class JsonColumnTests
{
    [Theory]
    [InlineData("{}")]
    [InlineData("[\"plan\"]")]
    [InlineData(" {\"a\":{\"b\":[1,2.5,null,true]},\"ü\":\"€\"} ")]
    [InlineData("\"just a string\"")]
    [InlineData("42")]
    public void Well_formed_json_passes_through_unchanged(string json) =>
        Assert.Same(json, JsonColumn.EnsureValid(json));

    [Fact]
    public void Long_values_are_checked_too()
    {
        var json = "{\"k\":\"" + new string('x', 10_000) + "\"}";
        Assert.Same(json, JsonColumn.EnsureValid(json));
        Assert.StartsWith("{\"$veil_invalid_json\":", JsonColumn.EnsureValid(json[..^1]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"a\":[1,2.5,null],\"ü\":\"€\"}")]
    [InlineData("{\"a\":")]
    [InlineData("{} {}")]
    public void Utf8_form_is_the_bytes_of_the_string_form(string json)
    {
        var buffer = new byte[4];
        var bytes = JsonColumn.EnsureValidUtf8(json, ref buffer);
        Assert.Equal(JsonColumn.EnsureValid(json), System.Text.Encoding.UTF8.GetString(bytes));
        var longJson = "{\"k\":\"" + new string('x', 10_000) + "\"}";
        Assert.Equal(longJson, System.Text.Encoding.UTF8.GetString(JsonColumn.EnsureValidUtf8(longJson, ref buffer)));
        Assert.StartsWith("{\"$veil_invalid_json\":", System.Text.Encoding.UTF8.GetString(JsonColumn.EnsureValidUtf8(longJson[..^1], ref buffer)), StringComparison.Ordinal);
    }
}
