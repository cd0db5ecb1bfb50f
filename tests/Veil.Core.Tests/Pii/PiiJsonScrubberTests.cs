using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiJsonScrubberTests
{
    internal static (string Json, PiiScrubResult Result) Scrub(PiiJsonScrubber scrubber, string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        PiiScrubResult result;
        using (var writer = new Utf8JsonWriter(buffer)) result = scrubber.Scrub(document.RootElement, writer);
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), result);
    }

    private static void AssertJson(string expected, string actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"expected {expected}\nactual   {actual}");

    [Fact]
    public void Clean_objects_come_out_the_same()
    {
        const string json = """{"$browser":"Chrome","$screen_height":1080,"plan":"pro","flags":[true,false,null],"nested":{"a":[1,2.5,"x"]},"empty":{}}""";
        var (output, result) = Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), json);
        AssertJson(json, output);
        Assert.Equal(0, result.HitCount);
        Assert.Empty(result.VaultItems);
    }

    [Fact]
    public void Redacts_strings_numbers_names_and_nested_values()
    {
        const string json = """
            {"email":"jane@example.com","card":4111111111111111,"note":"call 415-555-2671 now",
             "jane@example.com":"hi","password":"hunter2",
             "address":{"ip":"203.0.113.7","lines":["x",{"iban":"DE89 3704 0044 0532 0130 00"}]},
             "escaped":"jane\u0040example.com"}
            """;
        var counter = new PiiHitCounter();
        var (output, result) = Scrub(new PiiJsonScrubber(7, PiiPolicy.Default, counter: counter), json);
        AssertJson("""
            {"email":"[email]","card":"[card]","note":"call [phone] now",
             "[email]":"hi","password":"[secret]",
             "address":{"ip":"[ip]","lines":["x",{"iban":"[iban]"}]},
             "escaped":"[email]"}
            """, output);
        Assert.Equal(8, result.HitCount);
        Assert.Empty(result.VaultItems);
        Assert.Equal(
            [
                new PiiHitCount(7, "[email]", PiiDetector.Email, 1),
                new PiiHitCount(7, "address.ip", PiiDetector.IpAddress, 1),
                new PiiHitCount(7, "address.lines[].iban", PiiDetector.Iban, 1),
                new PiiHitCount(7, "card", PiiDetector.PaymentCard, 1),
                new PiiHitCount(7, "email", PiiDetector.Email, 1),
                new PiiHitCount(7, "escaped", PiiDetector.Email, 1),
                new PiiHitCount(7, "note", PiiDetector.Phone, 1),
                new PiiHitCount(7, "password", PiiDetector.SecretByName, 1),
            ],
            counter.Snapshot());
        Assert.DoesNotContain("jane", string.Concat(counter.Snapshot().Select(c => c.PropertyName)), StringComparison.Ordinal);
    }

    [Fact]
    public void Vault_and_drop_leave_the_property_out_and_vault_returns_it()
    {
        var policy = new PiiPolicy(
            new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Vault, [PiiDetector.IpAddress] = PiiPolicyAction.Drop });
        const string json = """{"email":"jane@example.com","ip":"203.0.113.7","contacts":[{"email":"a@example.org"},"b@example.net","keep"],"plan":"pro"}""";
        var (output, result) = Scrub(new PiiJsonScrubber(1, policy), json);
        AssertJson("""{"contacts":[{},"keep"],"plan":"pro"}""", output);
        Assert.Equal(
            [
                new PiiVaultItem("email", "jane@example.com"),
                new PiiVaultItem("contacts[0].email", "a@example.org"),
                new PiiVaultItem("contacts[1]", "b@example.net"),
            ],
            result.VaultItems);
    }

    [Fact]
    public void Pseudonymise_uses_the_function_and_allow_lists_skip_scanning()
    {
        var policy = new PiiPolicy(
            new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Pseudonymise },
            new Dictionary<string, PiiPolicyAction> { ["support.phone"] = PiiPolicyAction.Allow },
            ["company_email", "items[].contact"]);
        const string json = """{"email":"jane@example.com","company_email":"sales@example.com","support":{"phone":"+14155552671"},"items":[{"contact":"x@example.com"}]}""";
        var (output, _) = Scrub(new PiiJsonScrubber(1, policy, text => $"p{text.Length}"), json);
        AssertJson("""{"email":"[email:p16]","company_email":"sales@example.com","support":{"phone":"+14155552671"},"items":[{"contact":"x@example.com"}]}""", output);
    }

    [Fact]
    public void Renamed_properties_stay_unique_and_pii_names_can_be_dropped_or_vaulted()
    {
        const string json = """{"jane@example.com":1,"john@example.com":2,"plan":"pro"}""";
        var (redacted, _) = Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), json);
        AssertJson("""{"[email]":1,"[email]~2":2,"plan":"pro"}""", redacted);

        var drop = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Drop });
        AssertJson("""{"plan":"pro"}""", Scrub(new PiiJsonScrubber(1, drop), json).Json);

        var vault = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Vault });
        var (vaulted, result) = Scrub(new PiiJsonScrubber(1, vault), json);
        AssertJson("""{"[email]":1,"[email]~2":2,"plan":"pro"}""", vaulted);
        Assert.Equal([new PiiVaultItem("[email]", "jane@example.com"), new PiiVaultItem("[email]~2", "john@example.com")], result.VaultItems);
    }

    [Fact]
    public void An_allowed_pii_name_is_kept_but_counted_under_its_placeholder()
    {
        var allow = new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Email] = PiiPolicyAction.Allow });
        var counter = new PiiHitCounter();
        var (output, result) = Scrub(new PiiJsonScrubber(3, allow, counter: counter), """{"jane@example.com":{"card":"4111111111111111"}}""");
        AssertJson("""{"jane@example.com":{"card":"[card]"}}""", output);
        Assert.Equal(2, result.HitCount);
        Assert.Equal(
            [new PiiHitCount(3, "[email]", PiiDetector.Email, 1), new PiiHitCount(3, "[email].card", PiiDetector.PaymentCard, 1)],
            counter.Snapshot());
    }

    [Fact]
    public void Array_items_are_scanned_in_the_context_of_their_property()
    {
        var (output, _) = Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), """{"passwords":["a","b"],"ssn":["123456789"],"tags":["123456789"]}""");
        // "passwords" is not a secret name (plural of a thing, like tokens); an "ssn" array makes nine digits an SSN.
        AssertJson("""{"passwords":["a","b"],"ssn":["[ssn]"],"tags":["123456789"]}""", output);
    }

    [Fact]
    public void Top_level_arrays_and_values_are_scrubbed()
    {
        AssertJson("""["[email]",1]""", Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), """["jane@example.com",1]""").Json);
        AssertJson("\"[email]\"", Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), "\"jane@example.com\"").Json);
    }
}
