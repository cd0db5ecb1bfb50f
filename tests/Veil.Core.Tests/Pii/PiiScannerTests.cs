using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

public class PiiScannerTests
{
    private static readonly PiiScanner Scanner = PiiScanner.Default;

    /// <summary>The single hit's detector and the exact text it covers.</summary>
    private static (PiiDetector Detector, string Text) Single(string property, string value)
    {
        var result = Scanner.Scan(property, value);
        Assert.True(result.Count == 1, $"expected one hit in '{value}', got {result}");
        var hit = result[0];
        return (hit.Detector, value.Substring(hit.Start, hit.Length));
    }

    [Theory]
    [InlineData("jane.doe@example.com", "jane.doe@example.com")]
    [InlineData("Jane <jane.doe+news@mail.example.co.uk>", "jane.doe+news@mail.example.co.uk")]
    [InlineData("mailto:o'brien@example.org", "o'brien@example.org")]
    [InlineData("https://app.example.com/invite?email=jane@example.com&ref=x", "jane@example.com")]
    [InlineData("Sent to JANE@EXAMPLE.COM.", "JANE@EXAMPLE.COM")]
    [InlineData("josé.garcía@bücher.example", "josé.garcía@bücher.example")]
    [InlineData("иван@пример.рф", "иван@пример.рф")]
    [InlineData("anurag.शर्मा@example.in", "anurag.शर्मा@example.in")]
    [InlineData("user@xn--bcher-kva.example", "user@xn--bcher-kva.example")]
    public void Finds_emails(string value, string expected) =>
        Assert.Equal((PiiDetector.Email, expected), Single("note", value));

    [Theory]
    [InlineData("pkg@1.2.3")]
    [InlineData("@babel/core@7.23.0")]
    [InlineData("react@^18.2.0")]
    [InlineData("user@localhost")]
    [InlineData("logo@2x.png")]
    [InlineData("a@b.c")]
    [InlineData("@jane_doe")]
    [InlineData("jane..doe@example.com")]
    public void Ignores_email_lookalikes(string value) => Assert.False(Scanner.Scan("note", value).HasHits, value);

    [Theory]
    [InlineData("+14155552671")]
    [InlineData("(415) 555-2671")]
    [InlineData("415-555-2671")]
    [InlineData("415.555.2671")]
    [InlineData("1-415-555-2671")]
    [InlineData("+1 (415) 555-2671")]
    [InlineData("+44 20 7946 0958")]
    [InlineData("+44 (0)20 7946 0958")]
    [InlineData("020 7946 0958")]
    [InlineData("07700 900123")]
    [InlineData("+49 30 901820")]
    [InlineData("030 901820")]
    [InlineData("030/901820")]
    [InlineData("06 12 34 56 78")]
    [InlineData("06.12.34.56.78")]
    [InlineData("+33 6 12 34 56 78")]
    [InlineData("+91 98765 43210")]
    [InlineData("98765 43210")]
    [InlineData("+55 11 98765-4321")]
    [InlineData("(11) 98765-4321")]
    [InlineData("03-1234-5678")]
    [InlineData("090-1234-5678")]
    [InlineData("0044 20 7946 0958")]
    public void Finds_phone_numbers(string value) => Assert.Equal((PiiDetector.Phone, value), Single("note", value));

    [Fact]
    public void Finds_phone_numbers_in_text()
    {
        Assert.Equal((PiiDetector.Phone, "415-555-2671"), Single("note", "Call 415-555-2671 after 6pm"));
        Assert.Equal((PiiDetector.Phone, "+14155552671"), Single("note", "tel:+14155552671"));
        Assert.Equal((PiiDetector.Phone, "415-555-2671"), Single("note", "Order 12345 415-555-2671"));
        Assert.Equal((PiiDetector.Phone, "415-555-2671"), Single("note", "415-555-2671 at 10:30"));
    }

    [Theory]
    [InlineData("2024-01-15T10:30:00Z")]
    [InlineData("2024-01-15 10:30:00")]
    [InlineData("2024-01-15T10:30:00.123+02:00")]
    [InlineData("1705314600000")]
    [InlineData("1705314600")]
    [InlineData("4155552671")]
    [InlineData("12345678")]
    [InlineData("$1,299.99")]
    [InlineData("1 234 567 890")]
    [InlineData("10.0.19045.3803")]
    [InlineData("192.168.100.200 ")]
    [InlineData("ORD-2024-0012345678")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")]
    [InlineData("-33.868820 151.209290")]
    [InlineData("100-200-3000")]
    [InlineData("6491 0906 3616 1671")]
    [InlineData("+40.7128-074.0060")]
    [InlineData("01/15/2024 10:30")]
    [InlineData("112-1234567-1234567")]
    public void Ignores_phone_lookalikes(string value) =>
        Assert.False(Scanner.Scan("note", value).Contains(PiiDetector.Phone), $"{value}: {Scanner.Scan("note", value)}");

    [Theory]
    [InlineData("mobile", "4155552671")]
    [InlineData("phone_number", "415 5552671")]
    [InlineData("customerPhone", "+1 415 555 2671")]
    public void A_phone_property_accepts_bare_digits(string property, string value) =>
        Assert.Equal((PiiDetector.Phone, value), Single(property, value));

    [Fact]
    public void Phone_metadata_properties_are_not_phones() =>
        Assert.False(Scanner.Scan("phone_verified_at", "1705314600").HasHits);

    [Theory]
    [InlineData("4111111111111111")]
    [InlineData("4111 1111 1111 1111")]
    [InlineData("4111-1111-1111-1111")]
    [InlineData("5555555555554444")]
    [InlineData("2223003122003222")]
    [InlineData("378282246310005")]
    [InlineData("3782 822463 10005")]
    [InlineData("6011111111111117")]
    [InlineData("3530111333300000")]
    [InlineData("30569309025904")]
    [InlineData("6200000000000005")]
    [InlineData("6759649826438453")]
    public void Finds_payment_cards(string value) => Assert.Equal((PiiDetector.PaymentCard, value), Single("note", value));

    [Fact]
    public void Finds_cards_in_text_and_next_to_other_digits()
    {
        Assert.Equal((PiiDetector.PaymentCard, "4111 1111 1111 1111"), Single("note", "card: 4111 1111 1111 1111 exp 12/27"));
        Assert.Equal((PiiDetector.PaymentCard, "4111111111111111"), Single("note", "cc=4111111111111111."));
    }

    [Theory]
    [InlineData("4111111111111112")] // Luhn fails
    [InlineData("1234567812345670")] // Luhn passes, no brand starts with 1
    [InlineData("4006381333931")] // an EAN-13 barcode
    [InlineData("41111111111111111111")] // 20 digits
    [InlineData("order_4111111111111111")]
    [InlineData("4111.1111.1111.1111")]
    public void Ignores_card_lookalikes(string value) =>
        Assert.False(Scanner.Scan("note", value).Contains(PiiDetector.PaymentCard), value);

    /// <summary>Published example IBANs: they also check the length table for these countries.</summary>
    [Theory]
    [InlineData("DE89370400440532013000")]
    [InlineData("GB82WEST12345698765432")]
    [InlineData("FR1420041010050500013M02606")]
    [InlineData("NL91ABNA0417164300")]
    [InlineData("BE68539007547034")]
    [InlineData("CH9300762011623852957")]
    [InlineData("AT611904300234573201")]
    [InlineData("ES9121000418450200051332")]
    [InlineData("IT60X0542811101000000123456")]
    [InlineData("NO9386011117947")]
    [InlineData("PL61109010140000071219812874")]
    [InlineData("SE4550000000058398257466")]
    [InlineData("DK5000400440116243")]
    [InlineData("FI2112345600000785")]
    [InlineData("PT50000201231234567890154")]
    [InlineData("IE29AIBK93115212345678")]
    [InlineData("LU280019400644750000")]
    [InlineData("MT84MALT011000012345MTLCAST001S")]
    [InlineData("CY17002001280000001200527600")]
    [InlineData("GR1601101250000000012300695")]
    [InlineData("HU42117730161111101800000000")]
    [InlineData("CZ6508000000192000145399")]
    [InlineData("SK3112000000198742637541")]
    [InlineData("SI56263300012039086")]
    [InlineData("HR1210010051863000160")]
    [InlineData("LT121000011101001000")]
    [InlineData("LV80BANK0000435195001")]
    [InlineData("EE382200221020145685")]
    [InlineData("RO49AAAA1B31007593840000")]
    [InlineData("BG80BNBG96611020345678")]
    [InlineData("IS140159260076545510730339")]
    [InlineData("LI21088100002324013AA")]
    [InlineData("MC5811222000010123456789030")]
    [InlineData("SM86U0322509800000000270100")]
    [InlineData("AD1200012030200359100100")]
    [InlineData("GI75NWBK000000007099453")]
    [InlineData("VA59001123000012345678")]
    public void Finds_ibans(string iban)
    {
        Assert.Equal((PiiDetector.Iban, iban), Single("note", iban));
        var grouped = string.Join(' ', iban.Chunk(4).Select(c => new string(c)));
        Assert.Equal((PiiDetector.Iban, grouped), Single("note", $"IBAN: {grouped}."));
        Assert.Equal((PiiDetector.Iban, iban.ToLowerInvariant()), Single("note", iban.ToLowerInvariant()));
    }

    [Theory]
    [InlineData("DE88370400440532013000")] // wrong check digits
    [InlineData("DE8937040044053201300")] // one short
    [InlineData("DE893704004405320130001")] // one long
    [InlineData("XX89370400440532013000")] // no such country
    [InlineData("DE89 3704 0044 0532 0130 0")]
    public void Ignores_invalid_ibans(string value) => Assert.False(Scanner.Scan("note", value).HasHits, value);

    [Theory]
    [InlineData("note", "123-45-6789")]
    [InlineData("note", "123 45 6789")]
    [InlineData("note", "SSN: 078-05-1120")]
    [InlineData("ssn", "123456789")]
    [InlineData("social_security_number", "123456789")]
    public void Finds_ssns(string property, string value)
    {
        var (detector, text) = Single(property, value);
        Assert.Equal(PiiDetector.UsSsn, detector);
        Assert.EndsWith(text, value, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("note", "000-12-3456")]
    [InlineData("note", "666-12-3456")]
    [InlineData("note", "912-12-3456")]
    [InlineData("note", "123-00-4567")]
    [InlineData("note", "123-45-0000")]
    [InlineData("note", "123456789")] // bare digits need an SSN property
    [InlineData("note", "123-45 6789")] // mixed separators
    [InlineData("zip", "94105-1234")]
    public void Ignores_ssn_lookalikes(string property, string value) =>
        Assert.False(Scanner.Scan(property, value).Contains(PiiDetector.UsSsn), value);

    [Theory]
    [InlineData("192.168.1.1", "192.168.1.1")]
    [InlineData("client 8.8.8.8:53", "8.8.8.8")]
    [InlineData("http://10.0.0.1/admin", "10.0.0.1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    [InlineData("fe80::1ff:fe23:4567:890a", "fe80::1ff:fe23:4567:890a")]
    [InlineData("::ffff:192.0.2.128", "::ffff:192.0.2.128")]
    [InlineData("2001:0DB8:0000:0000:0000:FF00:0042:8329", "2001:0DB8:0000:0000:0000:FF00:0042:8329")]
    [InlineData("peer 2001:db8:1::.", "2001:db8:1::")]
    public void Finds_ip_addresses(string value, string expected) =>
        Assert.Equal((PiiDetector.IpAddress, expected), Single("note", value));

    [Theory]
    [InlineData("note", "1.2.3.4.5")]
    [InlineData("note", "v1.2.3.4")]
    [InlineData("note", "1.2.3.4-beta")]
    [InlineData("note", "256.1.1.1")]
    [InlineData("note", "01.02.03.04")]
    [InlineData("app_version", "1.2.3.4")]
    [InlineData("$user_agent", "Mozilla/5.0 Chrome/120.0.0.0 Safari/537.36")]
    [InlineData("note", "10:30:00")]
    [InlineData("note", "00:1A:2B:3C:4D:5E")]
    [InlineData("note", "std::vector<int>")]
    [InlineData("note", "dead::beef")]
    [InlineData("note", "::")]
    public void Ignores_ip_lookalikes(string property, string value) =>
        Assert.False(Scanner.Scan(property, value).Contains(PiiDetector.IpAddress), value);

    private const string SampleJwt =
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

    [Fact]
    public void Finds_jwts()
    {
        Assert.Equal((PiiDetector.Jwt, SampleJwt), Single("note", SampleJwt));
        Assert.Equal((PiiDetector.Jwt, SampleJwt), Single("note", $"id_token: {SampleJwt}."));
    }

    [Theory]
    [InlineData("eyJmb28iOiJiYXIifQ.eyJiYXIiOjF9.c2lnbmF0dXJl")] // header {"foo":"bar"} has no alg
    [InlineData("eyJhbGciOiJIUzI1NiJ9")] // header alone
    [InlineData("xeyJhbGciOiJIUzI1NiJ9.eyJiYXIiOjF9.c2ln")] // glued to a longer token
    public void Ignores_jwt_lookalikes(string value) => Assert.False(Scanner.Scan("note", value).HasHits, value);

    [Theory]
    [InlineData("sk_live_4eC39HqLyjWDarjtT1zdp7dc")]
    [InlineData("pk_test_TYooMQauvdEDq54NiTphI7jx")]
    [InlineData("ghp_16C7e42F292c6912E7710c838347Ae178B4a")]
    [InlineData("github_pat_11ABCDEFG0123456789abc_abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVW")]
    [InlineData("xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx")]
    [InlineData("AKIAIOSFODNN7EXAMPLE")]
    [InlineData("AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe")]
    [InlineData("glpat-xR3nT8kQ2mZ9vB4cL7pW")]
    [InlineData("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")]
    [InlineData("Bearer 8f2a9c4e7b1d3f5a6c8e0b2d4f6a8c1e")]
    public void Finds_api_keys(string key)
    {
        Assert.Equal((PiiDetector.ApiKey, key), Single("config", key));
        Assert.Equal((PiiDetector.ApiKey, key), Single("config", $"key={key} "));
    }

    [Fact]
    public void Finds_private_key_blocks_whole()
    {
        const string block = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P\n-----END RSA PRIVATE KEY-----";
        Assert.Equal((PiiDetector.ApiKey, block), Single("config", $"{block}\n"));
        Assert.Equal((PiiDetector.ApiKey, "-----BEGIN PRIVATE KEY----- MIIEowIBAAKCAQEA3Tz2mr7"), Single("config", "-----BEGIN PRIVATE KEY----- MIIEowIBAAKCAQEA3Tz2mr7"));
    }

    [Fact]
    public void A_bearer_jwt_is_one_api_key_hit()
    {
        var value = $"Authorization: Bearer {SampleJwt}";
        Assert.Equal((PiiDetector.ApiKey, $"Bearer {SampleJwt}"), Single("header", value));
    }

    [Theory]
    [InlineData("sk_live_xxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("sk_test_YOUR_KEY_HERE")]
    [InlineData("AKIAXXXXXXXXXXXXXXXX")]
    [InlineData("ghp_<your token>")]
    [InlineData("Bearer <token>")]
    [InlineData("bearer of bad news and good tidings")]
    [InlineData("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----")]
    [InlineData("cus_NffrFeUfNV2Hib")]
    [InlineData("xAKIAIOSFODNN7EXAMPLE")]
    public void Ignores_api_key_lookalikes(string value) => Assert.False(Scanner.Scan("config", value).HasHits, value);

    [Theory]
    [InlineData("password")]
    [InlineData("user_password")]
    [InlineData("Passwd")]
    [InlineData("pwd")]
    [InlineData("client_secret")]
    [InlineData("clientSecret")]
    [InlineData("token")]
    [InlineData("accessToken")]
    [InlineData("refresh_token")]
    [InlineData("api_key")]
    [InlineData("apikey")]
    [InlineData("APIKey")]
    [InlineData("x-api-key")]
    [InlineData("X-Auth-Token")]
    [InlineData("auth")]
    [InlineData("Authorization")]
    [InlineData("credentials")]
    [InlineData("session_key")]
    [InlineData("sessionKey")]
    [InlineData("private_key")]
    [InlineData("PRIVATE-KEY")]
    [InlineData("db.password")]
    [InlineData("smtp-pass-word")]
    public void Secret_names_make_any_value_a_secret(string property)
    {
        Assert.True(PiiScanner.IsSecretName(property), property);
        Assert.Equal((PiiDetector.SecretByName, "hunter2"), Single(property, "hunter2"));
        Assert.False(Scanner.Scan(property, "").HasHits);
    }

    [Theory]
    [InlineData("author")]
    [InlineData("authenticated")]
    [InlineData("auth_method")]
    [InlineData("oauth_provider")]
    [InlineData("token_count")]
    [InlineData("tokens_used")]
    [InlineData("max_tokens")]
    [InlineData("token_type")]
    [InlineData("has_password")]
    [InlineData("password_strength")]
    [InlineData("password_changed_at")]
    [InlineData("api_key_id")]
    [InlineData("secretary")]
    [InlineData("is_secret")]
    [InlineData("passport")]
    [InlineData("")]
    public void Other_names_are_not_secret_names(string property)
    {
        Assert.False(PiiScanner.IsSecretName(property), property);
        Assert.False(Scanner.Scan(property, "hunter2").HasHits);
    }

    [Fact]
    public void Property_names_are_scanned_too()
    {
        Assert.Equal(PiiDetector.Email, Assert.Single(Scanner.ScanName("jane@example.com").Detectors));
        Assert.Equal(PiiDetector.Phone, Assert.Single(Scanner.ScanName("called +14155552671").Detectors));
        Assert.Equal(PiiDetector.IpAddress, Assert.Single(Scanner.ScanName("203.0.113.7").Detectors));
        Assert.False(Scanner.ScanName("password").HasHits); // a name is not "secret by name"
        Assert.False(Scanner.ScanName("$current_url").HasHits);
        Assert.False(Scanner.ScanName("").HasHits);
    }

    [Fact]
    public void Several_hits_come_back_in_order_without_overlaps()
    {
        const string value = "Jane (jane@example.com, +44 20 7946 0958) paid with 4111 1111 1111 1111 from 203.0.113.7";
        var result = Scanner.Scan("note", value);
        Assert.Equal([PiiDetector.Email, PiiDetector.Phone, PiiDetector.PaymentCard, PiiDetector.IpAddress], result.Hits.ToArray().Select(h => h.Detector));
        Assert.Equal(["jane@example.com", "+44 20 7946 0958", "4111 1111 1111 1111", "203.0.113.7"], result.Hits.ToArray().Select(h => value.Substring(h.Start, h.Length)));
        for (var i = 1; i < result.Count; i++) Assert.True(result[i - 1].End <= result[i].Start);
    }

    [Fact]
    public void The_longer_hit_wins_an_overlap()
    {
        // The v4 tail of a mapped v6 address is one IP hit, not two.
        Assert.Equal((PiiDetector.IpAddress, "::ffff:203.0.113.7"), Single("note", "::ffff:203.0.113.7"));
        // A phone-shaped piece of an IBAN is part of the IBAN.
        Assert.Equal((PiiDetector.Iban, "GB82 WEST 1234 5698 7654 32"), Single("note", "GB82 WEST 1234 5698 7654 32"));
    }

    [Theory]
    [InlineData("Chrome")]
    [InlineData("https://shop.example.com/products/sneakers?ref=home")]
    [InlineData("Mac OS X")]
    [InlineData("1920")]
    [InlineData("$device:18c4f5a2-7b3e-4c1d-9f2a-6e8b0c3d5f71")]
    [InlineData("")]
    public void Ordinary_browser_values_have_no_hits(string value) => Assert.False(Scanner.Scan("prop", value).HasHits, value);
}
