using System.Diagnostics;
using System.Text.Json;
using CsCheck;
using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiPropertyTests
{
    /// <summary>A Luhn-valid number of a supported brand and length, built here independently of the scanner.</summary>
    private static readonly Gen<string> CardDigits =
        Gen.Select(
            Gen.OneOf(("4", 16), ("4", 19), ("51", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15), ("6011", 16),
                ("65", 19), ("3528", 16), ("3589", 19), ("36", 14), ("300", 14), ("62", 17), ("6759", 18), ("5018", 16), ("2200", 16)),
            Gen.Char['0', '9'].Array[18])
        .Select((brand, random) =>
        {
            var body = brand.Item1 + new string(random, 0, brand.Item2 - brand.Item1.Length - 1);
            return body + PiiCorpusGenerator.LuhnCheckDigit(body);
        });

    /// <summary>Digits cut into random groups of 1–6 joined by one separator style.</summary>
    private static readonly Gen<string> FormattedCard =
        Gen.Select(CardDigits, Gen.Int[1, 6].Array[19], Gen.OneOf("", " ", "-"))
        .Select((digits, sizes, separator) =>
        {
            var parts = new List<string>();
            var pos = 0;
            for (var i = 0; pos < digits.Length; i++)
            {
                var size = Math.Min(sizes[i], digits.Length - pos);
                parts.Add(digits.Substring(pos, size));
                pos += size;
            }
            return string.Join(separator, parts);
        });

    [Fact]
    public void Every_luhn_valid_card_in_any_separator_style_is_found()
    {
        Gen.Select(FormattedCard, Gen.OneOf("{0}", "card: {0}", "Paid with {0}.", "cc={0} exp 12/27", "({0})"))
            .Sample((card, template) =>
            {
                var value = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, card);
                var result = PiiScanner.Default.Scan("note", value);
                var hit = Assert.Single(result.Hits.ToArray());
                Assert.Equal(PiiDetector.PaymentCard, hit.Detector);
                Assert.Equal(card, value.Substring(hit.Start, hit.Length));
            }, iter: 10_000);
    }

    /// <summary>One PII value of some kind, in a form the scanner supports.</summary>
    private static readonly Gen<string> PiiValue = Gen.OneOf(
        Gen.Select(Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz"], 1, 12], Gen.OneOf("example.com", "mail.example.org", "example.co.uk"), Gen.OneOf("", "+tag", ".x"))
            .Select((local, domain, suffix) => $"{local}{suffix}@{domain}"),
        CardDigits,
        Gen.Int[0, int.MaxValue].Select(seed => PiiCorpusGenerator.Iban(new PiiCorpusGenerator.Rng((ulong)seed), out _)),
        Gen.Select(Gen.Int[1, 665], Gen.Int[1, 99], Gen.Int[1, 9999]).Select((a, g, s) => $"{a:000}-{g:00}-{s:0000}"),
        Gen.Select(Gen.Int[2, 9], Gen.Int[0, 99], Gen.Int[0, 9999]).Select((a, b, l) => $"+1{a}{b:00}555{l:0000}"),
        Gen.Select(Gen.Int[1, 223], Gen.Int[0, 255], Gen.Int[0, 255], Gen.Int[1, 254]).Select((a, b, c, d) => $"{a}.{b}.{c}.{d}"),
        Gen.Int[0, int.MaxValue].Select(seed => PiiCorpusGenerator.Jwt(new PiiCorpusGenerator.Rng((ulong)seed))),
        Gen.Int[0, int.MaxValue].Select(seed => PiiCorpusGenerator.ApiKey(new PiiCorpusGenerator.Rng((ulong)seed))));

    private static readonly Gen<string> Words = Gen.String[Gen.Char["abcdefghij klmnopqrstuvwxyz"], 0, 20];

    [Fact]
    public void Scrubbed_output_never_contains_the_pii()
    {
        Gen.Select(PiiValue, Words, Words, Gen.Int[0, 4])
            .Sample((pii, before, after, shape) =>
            {
                var text = $"{before} {pii} {after}";
                var json = shape switch
                {
                    0 => new { note = text },
                    1 => (object)new { a = new { b = new[] { "x", text } } },
                    2 => new { list = new object[] { 1, new { deep = new { note = text } } } },
                    3 => new { plain = "ok", note = text, n = 3 },
                    _ => new { arr = new[] { text, text } },
                };
                var (output, result) = PiiJsonScrubberTests.Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), JsonSerializer.Serialize(json));
                Assert.True(result.HitCount > 0, $"nothing found in {text}");
                foreach (var fragment in Texts(JsonDocument.Parse(output).RootElement))
                {
                    Assert.DoesNotContain(pii, fragment, StringComparison.Ordinal);
                }
            }, iter: 5000);
    }

    [Fact]
    public void Card_numbers_sent_as_json_numbers_never_come_out()
    {
        CardDigits.Sample(card =>
        {
            var (output, _) = PiiJsonScrubberTests.Scrub(new PiiJsonScrubber(1, PiiPolicy.Default), $$"""{"amount":12.5,"pan":{{card}},"items":[{{card}}]}""");
            Assert.DoesNotContain(card, output, StringComparison.Ordinal);
        }, iter: 500);
    }

    private static IEnumerable<string> Texts(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    yield return property.Name;
                    foreach (var text in Texts(property.Value)) yield return text;
                }
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var text in Texts(item)) yield return text;
                }
                break;
            default:
                yield return element.ValueKind == JsonValueKind.String ? element.GetString()! : element.GetRawText();
                break;
        }
    }

    /// <summary>Characters every detector reacts to, so random strings exercise their edge paths rather than being skipped.</summary>
    private const string Tricky = "0123456789012345 +-().:/@_'%#=\\abcdefxyzABCDEFXKIAGSeyJ.\n\u00A0éल\u0301:";

    [Fact]
    public void Random_strings_never_crash_or_hang()
    {
        var slowest = TimeSpan.Zero;
        Gen.Select(Gen.String[Gen.Char[Tricky], 0, 400], Gen.OneOf("note", "ssn", "phone", "app_version", "password", ""))
            .Sample((value, property) =>
            {
                var watch = Stopwatch.StartNew();
                var result = PiiScanner.Default.Scan(property, value);
                PiiScanner.Default.ScanName(value);
                watch.Stop();
                if (watch.Elapsed > slowest) slowest = watch.Elapsed;
                for (var i = 0; i < result.Count; i++)
                {
                    Assert.InRange(result[i].Start, 0, value.Length);
                    Assert.InRange(result[i].End, result[i].Start + 1, value.Length);
                    if (i > 0) Assert.True(result[i - 1].End <= result[i].Start);
                }
                var redaction = PiiRedactor.Apply(value, result, PiiPolicyAction.Redact);
                Assert.NotNull(redaction.Value);
            }, iter: 20_000);
        Assert.True(slowest < TimeSpan.FromMilliseconds(200), $"slowest scan took {slowest.TotalMilliseconds} ms");
    }

    [Fact]
    public void Random_json_is_always_scrubbed_into_valid_json()
    {
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var json = RandomJson(random, depth: 0).ToJsonString();
            var (output, result) = PiiJsonScrubberTests.Scrub(new PiiJsonScrubber(1, PiiPolicy.Default, text => text.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)), json);
            using var parsed = JsonDocument.Parse(output);
            Assert.True(result.HitCount >= 0);
        }, iter: 3000);
    }

    private static System.Text.Json.Nodes.JsonNode RandomJson(Random random, int depth)
    {
        string Text() => new(Enumerable.Range(0, random.Next(0, 40)).Select(_ => Tricky[random.Next(Tricky.Length)]).ToArray());
        switch (depth > 4 ? random.Next(3) : random.Next(6))
        {
            case 0: return System.Text.Json.Nodes.JsonValue.Create(Text());
            case 1: return System.Text.Json.Nodes.JsonValue.Create(random.NextInt64(long.MinValue, long.MaxValue));
            case 2: return System.Text.Json.Nodes.JsonValue.Create(random.Next(2) == 0 ? "4111 1111 1111 1111" : "jane@example.com");
            case 3:
                var array = new System.Text.Json.Nodes.JsonArray();
                for (var i = random.Next(0, 5); i > 0; i--) array.Add(RandomJson(random, depth + 1));
                return array;
            default:
                var obj = new System.Text.Json.Nodes.JsonObject();
                for (var i = random.Next(0, 6); i > 0; i--) obj[Text() + i.ToString(System.Globalization.CultureInfo.InvariantCulture)] = RandomJson(random, depth + 1);
                return obj;
        }
    }

    [Theory]
    [InlineData("1 ")]
    [InlineData("1-")]
    [InlineData("(1) ")]
    [InlineData("+1")]
    [InlineData("a@")]
    [InlineData("a.a@a")]
    [InlineData("eyJ.")]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.")]
    [InlineData("eyJhbGci.eyJ9.x ")]
    [InlineData("eyJ42be439d.e.x ")]
    [InlineData("1:")]
    [InlineData("a::")]
    [InlineData("1.1.1.")]
    [InlineData("DE89 ")]
    [InlineData("-----BEGIN ")]
    [InlineData("Bearer ")]
    [InlineData("sk_live_")]
    [InlineData("4111 ")]
    public void Long_adversarial_repetitions_stay_linear(string unit)
    {
        var value = string.Concat(Enumerable.Repeat(unit, 100_000 / unit.Length));
        var watch = Stopwatch.StartNew();
        PiiScanner.Default.Scan("note", value);
        PiiScanner.Default.ScanName(value);
        watch.Stop();
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1), $"{unit}×: {watch.Elapsed.TotalMilliseconds} ms for 100k chars");
    }
}
