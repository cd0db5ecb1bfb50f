using System.Globalization;
using System.Numerics;
using System.Text;

namespace Veil.Core.Tests.Pii;

/// <summary>
/// Builds the labelled PII corpus deterministically: its own SplitMix64 generator with one seed per category (adding a
/// category does not reshuffle the others), invariant formatting, no hash-ordered collections. Check digits (Luhn,
/// IBAN mod 97, EAN) are computed here, independently of the scanner under test. All PII is synthetic: reserved
/// domains, fictional phone ranges where a country has them (US 555-01xx, Ofcom drama numbers), random digits elsewhere.
/// </summary>
public static class PiiCorpusGenerator
{
    public static IReadOnlyList<PiiCorpusRow> Generate()
    {
        var rows = new List<PiiCorpusRow>();
        Category(rows, "email", 230, Emails);
        Category(rows, "phone", 230, Phones);
        Category(rows, "phone-unsupported", 12, UnsupportedPhones);
        Category(rows, "card", 230, Cards);
        Category(rows, "iban", 170, Ibans);
        Category(rows, "ssn", 110, Ssns);
        Category(rows, "ip", 170, IpAddresses);
        Category(rows, "jwt", 90, Jwts);
        Category(rows, "apikey", 170, ApiKeys);
        Category(rows, "secret-name", 130, SecretsByName);

        Category(rows, "neg-uuid", 110, Uuids);
        Category(rows, "neg-order", 90, OrderNumbers);
        Category(rows, "neg-timestamp", 90, Timestamps);
        Category(rows, "neg-epoch", 60, Epochs);
        Category(rows, "neg-version", 80, Versions);
        Category(rows, "neg-hash", 100, Hashes);
        Category(rows, "neg-price", 60, Prices);
        Category(rows, "neg-sku", 70, Skus);
        Category(rows, "neg-colour", 40, Colours);
        Category(rows, "neg-base64", 60, Base64Images);
        Category(rows, "neg-luhn-invalid", 80, LuhnInvalidNumbers);
        Category(rows, "neg-iban-invalid", 60, InvalidIbans);
        Category(rows, "neg-npm", 50, NpmPackages);
        Category(rows, "neg-path", 60, FilePaths);
        Category(rows, "neg-coordinates", 50, Coordinates);
        Category(rows, "neg-number", 60, PlainNumbers);
        Category(rows, "neg-misc", 90, Miscellaneous);
        Category(rows, "neg-secret-name", 60, NotSecretNames);
        Category(rows, "neg-lookalike", 70, Lookalikes);
        Category(rows, "neg-realworld", 120, RealWorldIds);
        return rows;
    }

    private static void Category(List<PiiCorpusRow> rows, string name, int count, Func<Rng, PiiCorpusRow> make)
    {
        var rng = new Rng(Seed(name));
        for (var i = 0; i < count; i++) rows.Add(make(rng));
    }

    /// <summary>FNV-1a of the category name: a stable seed.</summary>
    private static ulong Seed(string name)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in name)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }
        return hash;
    }

    private static PiiCorpusRow Row(string label, string property, string value) => new(label, property, value);

    // ---------------------------------------------------------------- true PII

    private static readonly string[] Firsts =
        ["jane", "john", "maria", "ahmed", "li", "sofia", "lukas", "emma", "noah", "olivia", "mateo", "yuki", "priya", "chloe", "oliver", "fatima", "lars", "ana", "kwame", "ines"];

    private static readonly string[] Lasts =
        ["doe", "smith", "garcia", "khan", "wang", "rossi", "muller", "martin", "silva", "tanaka", "patel", "dubois", "jones", "kowalski", "nguyen", "okafor", "berg", "costa", "ivanova", "haddad"];

    private static readonly string[] UnicodeLocals =
        ["josé.garcía", "zoë.müller", "søren.berg", "łukasz.nowak", "françois", "björk", "iñaki", "李娜", "иван.петров", "δημήτρης", "anurag.शर्मा", "さくら"];

    private static readonly string[] Domains =
    [
        "example.com", "example.org", "example.net", "mail.example.com", "eu.mail.example.com", "example.co.uk", "dept.example.ac.uk",
        "example.de", "example.fr", "example.io", "example.co.jp", "example.com.br", "shop-example.com", "xn--bcher-kva.example",
        "bücher.example", "例え.jp", "пример.рф", "example.travel", "example.museum", "corp.example.in",
    ];

    private static PiiCorpusRow Emails(Rng rng)
    {
        var first = rng.Pick(Firsts);
        var last = rng.Pick(Lasts);
        var local = rng.Int(12) switch
        {
            0 => $"{first}.{last}",
            1 => $"{first}_{last}",
            2 => $"{first}+{rng.Pick(["news", "shop", "2024", "spam", "x"])}",
            3 => $"{first[0]}{last}{rng.Digits(2)}",
            4 => $"{first}-{last}",
            5 => rng.Pick(["o'brien", "d'angelo", "o'neil"]),
            6 => $"{first}.{last}".ToUpperInvariant(),
            7 => rng.Digits(6),
            8 => rng.Pick(UnicodeLocals),
            9 => $"{first}.{rng.Pick(Firsts)[0]}.{last}",
            10 => $"{first}.{last}+{rng.Pick(["billing", "ci", "test"])}",
            _ => $"{first[0]}{last}",
        };
        var email = $"{local}@{rng.Pick(Domains)}";
        if (rng.Int(10) == 0) email = email.ToUpperInvariant();
        var value = rng.Int(14) switch
        {
            < 5 => email,
            5 => $"Contact: {email}",
            6 => $"<{email}>",
            7 => $"{Capitalise(first)} {Capitalise(last)} <{email}>",
            8 => $"mailto:{email}",
            9 => $"https://app.example.com/invite?email={email}&ref=nav",
            10 => $"Sent to {email}.",
            11 => $"({email})",
            12 => $"reply-to {email}, thanks",
            _ => $"user {email} signed up",
        };
        return Row("Email", rng.Pick(["email", "$email", "user_email", "contact", "note", "message", "invitee", "search", "recipient", "Email Address", "emailAddress", "to"]), value);
    }

    private static string Capitalise(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    private static readonly string[] PhoneProperties =
        ["phone", "$phone", "mobile", "phone_number", "contact", "note", "message", "tel", "whatsapp", "billing_phone", "support_note"];

    private static PiiCorpusRow Phones(Rng rng)
    {
        var phone = rng.Int(7) switch
        {
            0 => UsPhone(rng),
            1 => UkPhone(rng),
            2 => DePhone(rng),
            3 => FrPhone(rng),
            4 => InPhone(rng),
            5 => BrPhone(rng),
            _ => JpPhone(rng),
        };
        var value = rng.Int(10) switch
        {
            < 6 => phone,
            6 => $"Call me on {phone}",
            7 => $"tel:{phone}",
            8 => $"{phone} (mobile)",
            _ => $"Phone: {phone}",
        };
        return Row("Phone", rng.Pick(PhoneProperties), value);
    }

    private static string UsPhone(Rng rng)
    {
        var a = rng.Int(2, 9).ToString(CultureInfo.InvariantCulture) + rng.Digits(2);
        const string e = "555";
        var l = "01" + rng.Digits(2);
        return rng.Int(10) switch
        {
            0 => $"+1{a}{e}{l}",
            1 => $"+1 {a} {e} {l}",
            2 => $"+1-{a}-{e}-{l}",
            3 => $"({a}) {e}-{l}",
            4 => $"{a}-{e}-{l}",
            5 => $"{a}.{e}.{l}",
            6 => $"1-{a}-{e}-{l}",
            7 => $"+1 ({a}) {e}-{l}",
            8 => $"{a} {e} {l}",
            _ => $"+1.{a}.{e}.{l}",
        };
    }

    private static string UkPhone(Rng rng)
    {
        var x = rng.Digits(3);
        return rng.Int(8) switch
        {
            0 => $"+44 20 7946 0{x}",
            1 => $"020 7946 0{x}",
            2 => $"+44 (0)20 7946 0{x}",
            3 => $"+4420794600{x[1..]}",
            4 => $"07700 900{x}",
            5 => $"+44 7700 900{x}",
            6 => $"0161 496 0{x}",
            _ => $"+44 161 496 0{x}",
        };
    }

    private static string DePhone(Rng rng)
    {
        var area = rng.Pick(["30", "40", "89", "69", "221"]);
        var sub = rng.NonZeroDigits(rng.Int(6, 7));
        var mobile = rng.Pick(["151", "160", "170", "171", "176"]);
        var sub7 = rng.NonZeroDigits(7);
        return rng.Int(8) switch
        {
            0 => $"+49 {area} {sub}",
            1 => $"0{area} {sub}",
            2 => $"0{area}/{sub}",
            3 => $"+49 (0){area} {sub}",
            4 => $"+49{area}{sub}",
            5 => $"+49 {mobile} {sub7}",
            6 => $"0{mobile} {sub7}",
            _ => $"0{mobile}-{sub7}",
        };
    }

    private static string FrPhone(Rng rng)
    {
        var d = rng.Pick(["1", "2", "3", "4", "5", "6", "7", "9"]);
        var p = new[] { rng.Digits(2), rng.Digits(2), rng.Digits(2), rng.Digits(2) };
        return rng.Int(5) switch
        {
            0 => $"0{d} {p[0]} {p[1]} {p[2]} {p[3]}",
            1 => $"+33 {d} {p[0]} {p[1]} {p[2]} {p[3]}",
            2 => $"0{d}.{p[0]}.{p[1]}.{p[2]}.{p[3]}",
            3 => $"+33{d}{string.Concat(p)}",
            _ => $"0{d}{string.Concat(p)}",
        };
    }

    private static string InPhone(Rng rng)
    {
        var first = rng.Pick(["6", "7", "8", "9"]) + rng.Digits(4);
        var second = rng.Digits(5);
        return rng.Int(6) switch
        {
            0 => $"+91 {first} {second}",
            1 => $"+91-{first}-{second}",
            2 => $"{first} {second}",
            3 => $"0{first}{second}",
            4 => $"+91{first}{second}",
            _ => $"+91 {first}{second}",
        };
    }

    private static string BrPhone(Rng rng)
    {
        var ddd = rng.Int(1, 9).ToString(CultureInfo.InvariantCulture) + rng.Int(1, 9).ToString(CultureInfo.InvariantCulture);
        var mobile = "9" + rng.Digits(4);
        var line = rng.Digits(4);
        var landline = rng.Int(2, 5).ToString(CultureInfo.InvariantCulture) + rng.Digits(3);
        return rng.Int(6) switch
        {
            0 => $"+55 {ddd} {mobile}-{line}",
            1 => $"({ddd}) {mobile}-{line}",
            2 => $"{ddd} {mobile}-{line}",
            3 => $"+55{ddd}{mobile}{line}",
            4 => $"({ddd}) {landline}-{line}",
            _ => $"+55 ({ddd}) {mobile}-{line}",
        };
    }

    private static string JpPhone(Rng rng)
    {
        var mobile = rng.Pick(["90", "80", "70"]);
        var a = rng.Digits(4);
        var b = rng.Digits(4);
        return rng.Int(6) switch
        {
            0 => $"03-{a}-{b}",
            1 => $"0{mobile}-{a}-{b}",
            2 => $"+81 3-{a}-{b}",
            3 => $"+81 {mobile} {a} {b}",
            4 => $"+81{mobile}{a}{b}",
            _ => $"(03) {a}-{b}",
        };
    }

    /// <summary>Real phone numbers in shapes the scanner deliberately ignores (they look like ids): kept to show the cost honestly.</summary>
    private static PiiCorpusRow UnsupportedPhones(Rng rng)
    {
        var a = rng.Int(2, 9).ToString(CultureInfo.InvariantCulture) + rng.Digits(2);
        var l = "01" + rng.Digits(2);
        var value = rng.Int(4) switch
        {
            0 => $"{a}555{l}",
            1 => $"{a} 555{l}",
            2 => $"6{rng.Digits(2)} {rng.Digits(3)} {rng.Digits(3)}",
            _ => $"555-{l}",
        };
        return Row("Phone", rng.Pick(PhoneProperties), value);
    }

    private static PiiCorpusRow Cards(Rng rng)
    {
        var card = CardNumber(rng, out var groups);
        var separator = rng.Pick(["", " ", "-"]);
        var text = Group(card, groups, separator);
        var value = rng.Int(10) switch
        {
            < 5 => text,
            5 => $"card: {text}",
            6 => $"{text} exp 12/27",
            7 => $"Paid with {text}.",
            8 => $"cc={text}",
            _ => $"Card number {text} declined",
        };
        return Row("PaymentCard", rng.Pick(["card", "card_number", "cc", "payment", "note", "value", "pan", "billing_note", "message"]), value);
    }

    /// <summary>A Luhn-valid number of a random brand, and its customary grouping.</summary>
    internal static string CardNumber(Rng rng, out int[] groups)
    {
        string prefix;
        int length;
        switch (rng.Int(8))
        {
            case 0:
                prefix = "4";
                length = rng.Int(6) == 0 ? 19 : 16;
                break;
            case 1:
                prefix = rng.Int(2) == 0 ? rng.Int(51, 55).ToString(CultureInfo.InvariantCulture) : rng.Int(2221, 2720).ToString(CultureInfo.InvariantCulture);
                length = 16;
                break;
            case 2:
                prefix = rng.Pick(["34", "37"]);
                length = 15;
                break;
            case 3:
                prefix = rng.Pick(["6011", "65", "644", "647", "649"]);
                length = rng.Int(5) == 0 ? 19 : 16;
                break;
            case 4:
                prefix = rng.Int(3528, 3589).ToString(CultureInfo.InvariantCulture);
                length = 16;
                break;
            case 5:
                prefix = rng.Pick(["36", "38", "300", "305"]);
                length = 14;
                break;
            case 6:
                prefix = "62";
                length = rng.Int(16, 19);
                break;
            default:
                prefix = rng.Pick(["5018", "5020", "5038", "5893", "6304", "6759", "6761", "6762", "6763"]);
                length = rng.Int(16, 19);
                break;
        }
        var body = prefix + rng.Digits(length - prefix.Length - 1);
        var number = body + LuhnCheckDigit(body);
        groups = length switch
        {
            15 => [4, 6, 5],
            14 => [4, 6, 4],
            _ => FourGroups(length),
        };
        return number;
    }

    private static int[] FourGroups(int length)
    {
        var list = new List<int>();
        for (var left = length; left > 0; left -= 4) list.Add(Math.Min(4, left));
        return [.. list];
    }

    internal static string Group(string digits, int[] groups, string separator)
    {
        var builder = new StringBuilder();
        var pos = 0;
        foreach (var size in groups)
        {
            if (pos > 0) builder.Append(separator);
            builder.Append(digits, pos, size);
            pos += size;
        }
        return builder.ToString();
    }

    internal static char LuhnCheckDigit(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            if (i % 2 == 0)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
        }
        return (char)('0' + (10 - sum % 10) % 10);
    }

    /// <summary>IBAN lengths (SWIFT registry) and whether the BBAN opens with a four-letter bank code.</summary>
    private static readonly (string Country, int Length, char Bank)[] IbanCountries =
    [
        ("AD", 24, 'n'), ("AT", 20, 'n'), ("BE", 16, 'n'), ("BG", 22, 'a'), ("CH", 21, 'n'), ("CY", 28, 'n'), ("CZ", 24, 'n'),
        ("DE", 22, 'n'), ("DK", 18, 'n'), ("EE", 20, 'n'), ("ES", 24, 'n'), ("FI", 18, 'n'), ("FR", 27, 'f'), ("GB", 22, 'a'),
        ("GI", 23, 'a'), ("GR", 27, 'n'), ("HR", 21, 'n'), ("HU", 28, 'n'), ("IE", 22, 'a'), ("IS", 26, 'n'), ("IT", 27, 'i'),
        ("LI", 21, 'n'), ("LT", 20, 'n'), ("LU", 20, 'n'), ("LV", 21, 'a'), ("MC", 27, 'f'), ("MT", 31, 'a'), ("NL", 18, 'a'),
        ("NO", 15, 'n'), ("PL", 28, 'n'), ("PT", 25, 'n'), ("RO", 24, 'a'), ("SE", 24, 'n'), ("SI", 19, 'n'), ("SK", 24, 'n'),
        ("SM", 27, 'i'), ("VA", 22, 'n'), ("BR", 29, 'n'), ("TR", 26, 'n'), ("SA", 24, 'n'), ("AE", 23, 'n'), ("IL", 23, 'n'),
        ("KZ", 20, 'n'), ("UA", 29, 'n'), ("QA", 29, 'a'), ("RS", 22, 'n'), ("ME", 22, 'n'), ("MK", 19, 'n'), ("BA", 20, 'n'),
    ];

    private const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>A valid IBAN: a BBAN of the country's length and shape, check digits from mod 97.</summary>
    internal static string Iban(Rng rng, out string country)
    {
        var (code, length, bank) = rng.Pick(IbanCountries);
        country = code;
        var bbanLength = length - 4;
        var bban = bank switch
        {
            'a' => rng.Chars(Letters, 4) + rng.Digits(bbanLength - 4),
            'i' => rng.Chars(Letters, 1) + rng.Digits(bbanLength - 1),
            // French RIB: bank, branch, an account number that may hold a letter, key.
            'f' => rng.Digits(10) + rng.Digits(5) + rng.Chars(Letters, 1) + rng.Digits(bbanLength - 18) + rng.Digits(2),
            _ => rng.Digits(bbanLength),
        };
        return code + IbanCheckDigits(code, bban) + bban;
    }

    internal static string IbanCheckDigits(string country, string bban)
    {
        var remainder = Mod97(bban + country + "00");
        return (98 - remainder).ToString("00", CultureInfo.InvariantCulture);
    }

    private static int Mod97(string rearranged)
    {
        var digits = new StringBuilder();
        foreach (var c in rearranged)
        {
            if (char.IsAsciiDigit(c)) digits.Append(c);
            else digits.Append((c - 'A' + 10).ToString(CultureInfo.InvariantCulture));
        }
        return (int)(BigInteger.Parse(digits.ToString(), CultureInfo.InvariantCulture) % 97);
    }

    internal static string GroupIban(string iban)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < iban.Length; i++)
        {
            if (i > 0 && i % 4 == 0) builder.Append(' ');
            builder.Append(iban[i]);
        }
        return builder.ToString();
    }

    private static PiiCorpusRow Ibans(Rng rng)
    {
        var iban = Iban(rng, out _);
        var text = rng.Int(10) switch
        {
            < 5 => iban,
            < 9 => GroupIban(iban),
            _ => iban.ToLowerInvariant(),
        };
        var value = rng.Int(8) switch
        {
            < 4 => text,
            4 => $"IBAN: {text}",
            5 => $"Pay to {text}.",
            6 => $"iban={text}",
            _ => $"Account {text} (EUR)",
        };
        return Row("Iban", rng.Pick(["iban", "bank_account", "payout_account", "note", "account", "beneficiary"]), value);
    }

    private static string SsnParts(Rng rng, out string group, out string serial)
    {
        int area;
        do area = rng.Int(1, 899); while (area == 666);
        group = rng.Int(1, 99).ToString("00", CultureInfo.InvariantCulture);
        serial = rng.Int(1, 9999).ToString("0000", CultureInfo.InvariantCulture);
        return area.ToString("000", CultureInfo.InvariantCulture);
    }

    private static PiiCorpusRow Ssns(Rng rng)
    {
        var area = SsnParts(rng, out var group, out var serial);
        switch (rng.Int(10))
        {
            case < 2:
                return Row("UsSsn", rng.Pick(["ssn", "SSN", "social_security_number", "socialSecurityNumber", "user_ssn"]), area + group + serial);
            case < 4:
                return Row("UsSsn", rng.Pick(["ssn", "tax_id", "note", "national_id", "applicant"]), $"{area} {group} {serial}");
            default:
                var ssn = $"{area}-{group}-{serial}";
                var value = rng.Int(4) switch
                {
                    < 2 => ssn,
                    2 => $"SSN: {ssn}",
                    _ => $"ssn {ssn} on file",
                };
                return Row("UsSsn", rng.Pick(["ssn", "tax_id", "note", "national_id", "applicant", "message"]), value);
        }
    }

    private static string Ipv4(Rng rng) =>
        string.Join('.', rng.Int(1, 223), rng.Int(0, 255), rng.Int(0, 255), rng.Int(1, 254));

    private static string HexGroup(Rng rng) => rng.Int(0, 0xffff).ToString("x", CultureInfo.InvariantCulture);

    private static PiiCorpusRow IpAddresses(Rng rng)
    {
        string ip;
        if (rng.Int(2) == 0)
        {
            var v4 = Ipv4(rng);
            ip = rng.Int(8) switch
            {
                < 3 => v4,
                3 => $"{v4}:8080",
                4 => $"client {v4}",
                5 => $"http://{v4}/admin",
                6 => $"{v4}/24",
                _ => $"X-Forwarded-For: {v4}",
            };
        }
        else
        {
            var g = Enumerable.Range(0, 8).Select(_ => HexGroup(rng)).ToArray();
            var v6 = rng.Int(8) switch
            {
                0 => string.Join(':', g),
                1 => $"2001:db8:{g[0]}:{g[1]}::{g[2]}",
                2 => $"fe80::{g[0]}:{g[1]}:{g[2]}:{g[3]}",
                3 => $"2001:db8::{rng.Int(1, 999).ToString(CultureInfo.InvariantCulture)}",
                4 => $"2a02:{g[0]}:{g[1]}:{g[2]}:{g[3]}:{g[4]}:{g[5]}:{g[6]}",
                5 => $"::ffff:{Ipv4(rng)}",
                6 => "2001:0db8:" + string.Join(':', g.Skip(2).Select(x => x.PadLeft(4, '0'))).ToUpperInvariant(),
                _ => $"2001:db8:{g[0]}::",
            };
            ip = rng.Int(5) switch
            {
                < 3 => v6,
                3 => $"[{v6}]:443",
                _ => $"peer {v6}",
            };
        }
        return Row("IpAddress", rng.Pick(["ip", "$ip", "client_ip", "remote_addr", "x_forwarded_for", "server", "peer", "note", "host"]), ip);
    }

    internal static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Jwt(Rng rng)
    {
        var header = rng.Int(4) switch
        {
            0 => """{"alg":"HS256","typ":"JWT"}""",
            1 => $$"""{"typ":"JWT","alg":"RS256","kid":"{{rng.Base62(12)}}"}""",
            2 => """{"alg":"ES256"}""",
            _ => """{"alg":"none","typ":"JWT"}""",
        };
        var payload = rng.Int(3) switch
        {
            0 => $$"""{"sub":"{{rng.Digits(10)}}","name":"{{Capitalise(rng.Pick(Firsts))}} {{Capitalise(rng.Pick(Lasts))}}","iat":{{rng.Int(1_600_000_000, 1_800_000_000)}}}""",
            1 => $$"""{"sub":"user_{{rng.Base62(8)}}","exp":{{rng.Int(1_600_000_000, 1_800_000_000)}},"scope":"read write"}""",
            _ => $$"""{"iss":"https://auth.example.com/","aud":"veil","sub":"{{rng.Base62(16)}}"}""",
        };
        var signature = header.Contains("none", StringComparison.Ordinal) ? "" : Base64Url(rng.Bytes(header.Contains("RS256", StringComparison.Ordinal) ? 256 : 32));
        return $"{Base64Url(Encoding.UTF8.GetBytes(header))}.{Base64Url(Encoding.UTF8.GetBytes(payload))}.{signature}";
    }

    private static PiiCorpusRow Jwts(Rng rng)
    {
        var jwt = Jwt(rng);
        var value = rng.Int(6) switch
        {
            < 4 => jwt,
            4 => $"jwt={jwt}",
            _ => $"id_token: {jwt}",
        };
        return Row("Jwt", rng.Pick(["jwt", "id", "value", "raw", "session", "callback_payload", "debug", "header_value"]), value);
    }

    private const string Base32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

    internal static string ApiKey(Rng rng) => rng.Int(12) switch
    {
        0 => rng.Pick(["sk_live_", "sk_test_", "rk_live_", "pk_live_"]) + rng.Base62(rng.Pick([24, 24, 99])),
        1 => rng.Pick(["ghp_", "gho_", "ghs_", "ghu_"]) + rng.Base62(36),
        2 => "github_pat_" + rng.Base62(22) + "_" + rng.Base62(59),
        3 => rng.Pick(["xoxb-", "xoxp-"]) + rng.Digits(12) + "-" + rng.Digits(13) + "-" + rng.Base62(24),
        4 => rng.Pick(["AKIA", "ASIA"]) + rng.Chars(Base32Upper, 16),
        5 => "AIza" + rng.Base64UrlChars(35),
        6 => "glpat-" + rng.Base64UrlChars(20),
        7 => "SG." + rng.Base64UrlChars(22) + "." + rng.Base64UrlChars(43),
        8 => PrivateKey(rng),
        9 => "Bearer " + rng.Base62(rng.Int(32, 64)),
        10 => "Bearer " + Jwt(rng),
        _ => rng.Int(2) == 0 ? "ghp_" + rng.Base62(36) : "sk_test_" + rng.Base62(24),
    };

    private static string PrivateKey(Rng rng)
    {
        var label = rng.Pick(["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"]);
        var body = Convert.ToBase64String(rng.Bytes(rng.Int(120, 400)));
        var lines = Enumerable.Range(0, (body.Length + 63) / 64).Select(i => body.Substring(i * 64, Math.Min(64, body.Length - i * 64)));
        var block = $"-----BEGIN {label}-----\n{string.Join('\n', lines)}\n-----END {label}-----";
        // Keys pasted into a single-line field lose their line breaks.
        return rng.Int(4) == 0 ? block.Replace('\n', ' ') : block;
    }

    private static PiiCorpusRow ApiKeys(Rng rng)
    {
        var key = ApiKey(rng);
        var value = key.StartsWith("-----", StringComparison.Ordinal) || key.StartsWith("Bearer", StringComparison.Ordinal)
            ? rng.Int(3) == 0 ? $"Authorization failed for {key}" : key
            : rng.Int(6) switch
            {
                < 3 => key,
                3 => $"key={key}",
                4 => $"export SERVICE_KEY={key}",
                _ => $"using {key} from config",
            };
        if (key.StartsWith("Bearer", StringComparison.Ordinal) && rng.Int(2) == 0) value = "Authorization: " + key;
        return Row("ApiKey", rng.Pick(["value", "config", "header", "env", "debug", "log_line", "message", "error", "stack", "payload"]), value);
    }

    private static PiiCorpusRow SecretsByName(Rng rng)
    {
        var name = rng.Pick([
            "password", "Password", "user_password", "passwd", "pwd", "secret", "client_secret", "clientSecret", "token", "access_token",
            "accessToken", "refresh_token", "csrf_token", "api_key", "apiKey", "ApiKey", "API_KEY", "x-api-key", "X-Auth-Token", "auth",
            "authToken", "Authorization", "credential", "credentials", "session_key", "sessionKey", "private_key", "privateKey",
            "passphrase", "secret_key", "aws_secret_access_key", "db.password", "smtp-pass-word", "PASSWD",
        ]);
        var value = rng.Int(8) switch
        {
            0 => rng.Pick(["hunter2", "P@ssw0rd!", "correct horse battery staple", "letmein", "s3cr3t", "Tr0ub4dor&3", "qwerty123", "changeme"]),
            1 => rng.Hex(32),
            2 => rng.Base62(rng.Int(12, 40)),
            3 => rng.Base64UrlChars(rng.Int(20, 60)),
            4 => Capitalise(rng.Pick(Firsts)) + rng.Digits(4) + rng.Pick(["!", "#", "$", "?"]),
            5 => rng.Chars("abcdefghijklmnopqrstuvwxyz", rng.Int(6, 12)),
            6 => rng.Digits(rng.Int(4, 8)),
            _ => rng.Base62(8) + "-" + rng.Base62(8) + "-" + rng.Base62(8),
        };
        return Row("SecretByName", name, value);
    }

    // ---------------------------------------------------------------- hard negatives

    private static PiiCorpusRow None(Rng rng, string[] properties, string value) => Row(PiiCorpusRow.None, rng.Pick(properties), value);

    private static PiiCorpusRow Uuids(Rng rng)
    {
        var bytes = rng.Bytes(16);
        bytes[6] = (byte)(bytes[6] & 0x0f | 0x40);
        bytes[8] = (byte)(bytes[8] & 0x3f | 0x80);
        var hex = Convert.ToHexStringLower(bytes);
        var uuid = $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
        var value = rng.Int(8) switch
        {
            < 4 => uuid,
            4 => uuid.ToUpperInvariant(),
            5 => "{" + uuid + "}",
            6 => "$device:" + uuid,
            _ => hex,
        };
        return None(rng, ["$insert_id", "$device_id", "distinct_id", "session_id", "request_id", "trace_id", "anonymous_id", "cart_id", "message_id"], value);
    }

    private static PiiCorpusRow OrderNumbers(Rng rng)
    {
        var year = rng.Int(2019, 2026).ToString(CultureInfo.InvariantCulture);
        var value = rng.Int(12) switch
        {
            0 => $"ORD-{year}-{rng.Digits(6)}",
            1 => $"#{rng.NonZeroDigits(6)}",
            2 => $"INV-{rng.Digits(9)}",
            3 => $"A{rng.Digits(10)}",
            4 => $"PO {rng.NonZeroDigits(10)}",
            5 => $"order_{rng.Digits(14)}",
            6 => rng.NonZeroDigits(rng.Int(8, 12)),
            7 => $"SO-{rng.Digits(8)}-{rng.Digits(2)}",
            8 => $"{rng.NonZeroDigits(4)}-{rng.Digits(4)}-{rng.Digits(4)}",
            9 => $"1{rng.Digits(2)}-{rng.Digits(7)}-{rng.Digits(7)}",
            10 => $"Order {rng.NonZeroDigits(7)} shipped",
            _ => $"RMA{year}{rng.Digits(8)}",
        };
        return None(rng, ["order_id", "order", "invoice", "reference", "po_number", "note", "rma"], value);
    }

    private static PiiCorpusRow Timestamps(Rng rng)
    {
        var t = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(rng.Int(0, 200_000_000)).AddMilliseconds(rng.Int(0, 999));
        var value = rng.Int(10) switch
        {
            0 => t.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            1 => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            2 => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture) + rng.Pick(["+02:00", "-05:00", "+05:30", "+00:00"]),
            3 => t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
            4 => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            5 => t.ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture),
            6 => t.ToString("ddd, dd MMM yyyy HH:mm:ss 'GMT'", CultureInfo.InvariantCulture),
            7 => t.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture),
            8 => t.ToString("MM/dd/yyyy hh:mm tt", CultureInfo.InvariantCulture),
            _ => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        };
        return None(rng, ["time", "timestamp", "created_at", "$time", "last_seen", "date", "updated"], value);
    }

    private static PiiCorpusRow Epochs(Rng rng)
    {
        long seconds = rng.Int(1_500_000_000, 1_900_000_000);
        var value = rng.Int(5) switch
        {
            0 => seconds.ToString(CultureInfo.InvariantCulture),
            1 => (seconds * 1000 + rng.Int(0, 999)).ToString(CultureInfo.InvariantCulture),
            2 => $"{seconds}.{rng.Digits(3)}",
            3 => (seconds * 1_000_000 + rng.Int(0, 999_999)).ToString(CultureInfo.InvariantCulture),
            _ => $"{seconds * 1000}",
        };
        return None(rng, ["time", "ts", "$time", "sent_at", "epoch_ms", "timestamp"], value);
    }

    private static PiiCorpusRow Versions(Rng rng)
    {
        int V(int max) => rng.Int(0, max);
        var value = rng.Int(10) switch
        {
            0 => $"{V(20)}.{V(30)}.{V(40)}",
            1 => $"{V(15)}.{V(20)}.{V(10)}.{V(9)}.{V(9)}",
            2 => $"{rng.Int(100, 140)}.0.{rng.Int(1000, 7000)}.{V(200)}",
            3 => $"v{V(9)}.{V(20)}.{V(9)}.{V(9)}",
            4 => $"{V(9)}.{V(9)}.{V(9)}-beta.{V(9)}",
            5 => $"{rng.Int(14, 18)}.{V(6)}.{V(3)} ({rng.Digits(2)}E{rng.Digits(3)})",
            6 => $"10.0.{rng.Int(10000, 22631)}.{rng.Int(1000, 4000)}",
            7 => $"{V(9)}.{V(20)}.{V(9)}.{V(9)}-rc{V(3)}",
            8 => $"{V(9)}.{V(9)}.{V(9)}+build.{rng.Digits(4)}",
            _ => $"Chrome/{rng.Int(100, 140)}.0.{rng.Int(1000, 7000)}.{V(200)}",
        };
        var property = value.Count(c => c == '.') == 3 && char.IsAsciiDigit(value[0]) && !value.Contains('-', StringComparison.Ordinal) && !value.Contains('+', StringComparison.Ordinal)
            ? rng.Pick(["app_version", "$lib_version", "os_version", "build", "release", "version"])
            : rng.Pick(["app_version", "$lib_version", "os_version", "build", "release", "version", "agent", "sdk"]);
        return None(rng, [property], value);
    }

    private static PiiCorpusRow Hashes(Rng rng)
    {
        var value = rng.Int(8) switch
        {
            < 3 => rng.Hex(64),
            3 => rng.Hex(64).ToUpperInvariant(),
            4 => rng.Hex(32),
            5 => rng.Hex(40),
            6 => "sha256:" + rng.Hex(64),
            _ => rng.Hex(7),
        };
        return None(rng, ["hash", "checksum", "etag", "commit", "digest", "content_hash", "fingerprint_hash"], value);
    }

    private static PiiCorpusRow Prices(Rng rng)
    {
        var amount = rng.Int(1, 9_999_999);
        var cents = rng.Digits(2);
        var value = rng.Int(8) switch
        {
            0 => $"${amount.ToString("N0", CultureInfo.InvariantCulture)}.{cents}",
            1 => $"€ {amount.ToString("N0", CultureInfo.InvariantCulture).Replace(',', '.')},{cents}",
            2 => $"{amount}.{cents}",
            3 => $"USD {amount.ToString("N0", CultureInfo.InvariantCulture)}.{cents}",
            4 => $"¥{amount.ToString("N0", CultureInfo.InvariantCulture)}",
            5 => $"{amount.ToString("N0", CultureInfo.InvariantCulture).Replace(',', ' ')},{cents} ₽",
            6 => $"{amount}",
            _ => $"£{amount % 100_000}.{cents}",
        };
        return None(rng, ["price", "amount", "total", "revenue", "$amount", "value", "cart_total"], value);
    }

    private static string EanCheck(string body)
    {
        var sum = 0;
        for (var i = 0; i < body.Length; i++)
        {
            var d = body[body.Length - 1 - i] - '0';
            sum += i % 2 == 0 ? d * 3 : d;
        }
        return ((10 - sum % 10) % 10).ToString(CultureInfo.InvariantCulture);
    }

    private static PiiCorpusRow Skus(Rng rng)
    {
        var value = rng.Int(9) switch
        {
            0 => $"SKU-{rng.Digits(5)}-{rng.Pick(["BLK", "WHT", "RED", "NVY"])}-{rng.Pick(["S", "M", "L", "XL"])}",
            1 => $"WH-{rng.Digits(4)}XM{rng.Int(1, 5)}",
            2 => "B0" + rng.Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8),
            3 => $"MBP-{rng.Pick(["14", "16"])}-M{rng.Int(1, 4)}-{rng.Int(2020, 2025)}",
            4 => EanBody(rng, 12) is var ean13 ? ean13 + EanCheck(ean13) : "",
            5 => "978" + rng.Digits(9) is var isbn ? $"{isbn[..3]}-{isbn[3]}-{isbn[4..6]}-{isbn[6..]}-{EanCheck(isbn)}" : "",
            6 => "1" + rng.Digits(12) is var gtin ? gtin + EanCheck(gtin) : "",
            7 => rng.NonZeroDigits(11) is var upc ? upc + EanCheck(upc) : "",
            _ => $"{rng.Chars(Letters, 3)}{rng.Digits(6)}",
        };
        return None(rng, ["sku", "product_id", "item", "gtin", "isbn", "ean", "asin", "model"], value);
    }

    private static string EanBody(Rng rng, int length) => rng.Pick(["40", "50", "57", "30", "87", "76", "45", "69"]) + rng.Digits(length - 2);

    private static PiiCorpusRow Colours(Rng rng)
    {
        var value = rng.Int(5) switch
        {
            0 => "#" + rng.Hex(6),
            1 => "#" + rng.Hex(3).ToUpperInvariant(),
            2 => $"rgb({rng.Int(0, 255)}, {rng.Int(0, 255)}, {rng.Int(0, 255)})",
            3 => "#" + rng.Hex(8),
            _ => $"hsl({rng.Int(0, 360)}, {rng.Int(0, 100)}%, {rng.Int(0, 100)}%)",
        };
        return None(rng, ["color", "colour", "theme", "background", "accent"], value);
    }

    private static PiiCorpusRow Base64Images(Rng rng)
    {
        var bytes = rng.Bytes(rng.Int(45, 150));
        var prefix = rng.Pick(["data:image/png;base64,iVBORw0KGgo", "data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ", "data:image/gif;base64,R0lGODlh", ""]);
        return None(rng, ["image", "avatar_preview", "thumbnail", "icon", "blob"], prefix + Convert.ToBase64String(bytes));
    }

    private static PiiCorpusRow LuhnInvalidNumbers(Rng rng)
    {
        var card = CardNumber(rng, out var groups);
        var wrong = (char)('0' + (card[^1] - '0' + rng.Int(1, 9)) % 10);
        var number = card[..^1] + wrong;
        return None(rng, ["card", "reference", "value", "note", "tracking"], Group(number, groups, rng.Pick(["", " ", "-"])));
    }

    private static PiiCorpusRow InvalidIbans(Rng rng)
    {
        var iban = Iban(rng, out _);
        var check = int.Parse(iban.AsSpan(2, 2), CultureInfo.InvariantCulture);
        string value;
        if (rng.Int(5) == 0)
        {
            // Right check digits, one character short: not an IBAN of that country.
            value = iban[..^1];
        }
        else
        {
            var other = (check - 2 + rng.Int(1, 95)) % 97 + 2;
            value = iban[..2] + other.ToString("00", CultureInfo.InvariantCulture) + iban[4..];
        }
        if (rng.Int(2) == 0) value = GroupIban(value);
        return None(rng, ["iban", "bank_account", "note", "account"], value);
    }

    private static PiiCorpusRow NpmPackages(Rng rng)
    {
        int V(int max) => rng.Int(0, max);
        var name = rng.Pick(["react", "lodash", "typescript", "pkg", "node", "@babel/core", "@types/node", "vite", "express", "@scope/pkg"]);
        var value = rng.Int(5) switch
        {
            0 => $"{name}@{V(20)}.{V(30)}.{V(20)}",
            1 => $"{name}@^{V(20)}.{V(30)}.{V(20)}",
            2 => $"{name}@{V(9)}.{V(9)}.{V(9)}-beta.{V(9)}",
            3 => $"npm install {name}@latest",
            _ => $"{name}@~{V(9)}.{V(9)}",
        };
        return None(rng, ["dependency", "package", "lib", "module", "install_cmd"], value);
    }

    private static PiiCorpusRow FilePaths(Rng rng)
    {
        var value = rng.Int(9) switch
        {
            0 => $"/var/log/nginx/access.log.{rng.Int(1, 9)}",
            1 => $"C:\\Users\\Public\\Documents\\report-{rng.Int(2019, 2025)}-{rng.Int(1, 12):00}-{rng.Int(1, 28):00}.pdf",
            2 => $"/home/app/releases/{rng.Int(2019, 2025)}{rng.Digits(10)}/",
            3 => $"src/components/{rng.Pick(["Button", "Modal", "Nav"])}.tsx",
            4 => $"./assets/{rng.Pick(["logo", "icon", "hero"])}@{rng.Int(2, 3)}x.png",
            5 => $"/static/js/main.{rng.Hex(8)}.chunk.js",
            6 => $"~/Downloads/IMG_{rng.Int(2019, 2025)}{rng.Int(1, 12):00}{rng.Int(1, 28):00}_{rng.Digits(6)}.jpg",
            7 => $"s3://bucket-{rng.Digits(4)}/exports/{rng.Digits(8)}/part-{rng.Digits(5)}.parquet",
            _ => $"/api/v{rng.Int(1, 3)}/orders/{rng.Digits(9)}/items",
        };
        return None(rng, ["path", "file", "$pathname", "source", "url_path", "asset"], value);
    }

    private static PiiCorpusRow Coordinates(Rng rng)
    {
        string Degrees(int max, int decimals) =>
            (rng.Int(0, max * 1000) / 1000.0 + rng.Int(0, 999) / 1_000_000.0).ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var lat = (rng.Int(2) == 0 ? "-" : "") + Degrees(89, rng.Int(4, 6));
        var lon = (rng.Int(2) == 0 ? "-" : "") + Degrees(179, rng.Int(4, 6));
        var value = rng.Int(5) switch
        {
            0 => $"{lat},{lon}",
            1 => $"{lat}, {lon}",
            2 => $"{lat} {lon}",
            3 => $"POINT({lon} {lat})",
            _ => $"{lat.TrimStart('-')}° N, {lon.TrimStart('-')}° E",
        };
        return None(rng, ["location", "coords", "latlng", "geo", "position"], value);
    }

    private static PiiCorpusRow PlainNumbers(Rng rng)
    {
        var value = rng.Int(4) switch
        {
            0 => rng.NonZeroDigits(rng.Int(5, 8)),
            1 => $"Room {rng.NonZeroDigits(4)}",
            2 => rng.Digits(5),
            _ => $"{rng.NonZeroDigits(rng.Int(5, 8))} items",
        };
        return None(rng, ["zip", "count", "quantity", "postal_code", "views", "room", "score", "$duration"], value);
    }

    private static PiiCorpusRow Miscellaneous(Rng rng)
    {
        var value = rng.Int(18) switch
        {
            0 => $"{rng.Pick(["1920", "1440", "2560", "390", "412"])}x{rng.Pick(["1080", "900", "1440", "844", "915"])}",
            1 => $"{rng.Int(0, 23):00}:{rng.Int(0, 59):00}:{rng.Int(0, 59):00}",
            2 => string.Join(':', Enumerable.Range(0, 6).Select(_ => rng.Hex(2).ToUpperInvariant())),
            3 => rng.Pick(["std::vector<int>", "Foo::Bar::baz()", "a::b", "::", "Illuminate\\Support\\Facades\\DB::table"]),
            4 => $"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{rng.Int(100, 140)}.0.0.0 Safari/537.36",
            5 => $"Mozilla/5.0 (iPhone; CPU iPhone OS 17_{rng.Int(0, 5)} like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.{rng.Int(0, 5)} Mobile/15E148 Safari/604.1",
            6 => $"https://shop.example.com/products/{rng.Digits(6)}?ref=home&page={rng.Int(1, 20)}",
            7 => rng.Pick(["Added to cart", "Checkout started", "Signed up", "Viewed pricing page", "Clicked CTA"]),
            8 => rng.Pick(["red shoes size 42", "best laptop 2024", "how to reset router", "cheap flights to lisbon"]),
            9 => $"Page {rng.Int(1, 9)} of {rng.Int(10, 99)}",
            10 => $"Q{rng.Int(1, 4)} {rng.Int(2019, 2025)} report",
            11 => $"ISO 9001:{rng.Int(2000, 2015)}",
            12 => "HTTP/1.1 " + rng.Pick(["200 OK", "404 Not Found", "500 Internal Server Error"]),
            13 => $"{rng.Int(0, 100)}%",
            14 => $"margin: {rng.Int(0, 40)}px auto; padding: {rng.Int(0, 20)}px {rng.Int(0, 20)}px",
            15 => $"{rng.Int(-30, 45)}.{rng.Int(0, 9)} °C",
            16 => $"Build #{rng.Digits(5)} passed in {rng.Int(1, 59)}m {rng.Int(1, 59)}s",
            _ => $"PT{rng.Int(1, 23)}H{rng.Int(1, 59)}M",
        };
        return None(rng, ["$screen", "duration", "mac", "snippet", "$user_agent", "$current_url", "event_label", "search", "title", "style", "temperature", "status"], value);
    }

    private static PiiCorpusRow NotSecretNames(Rng rng)
    {
        var (name, value) = rng.Int(16) switch
        {
            0 => ("token_count", rng.NonZeroDigits(4)),
            1 => ("tokens_used", rng.NonZeroDigits(4)),
            2 => ("max_tokens", rng.Pick(["1024", "4096", "8192"])),
            3 => ("author", $"{Capitalise(rng.Pick(Firsts))} {Capitalise(rng.Pick(Lasts))}"),
            4 => ("auth_method", rng.Pick(["google", "github", "email", "saml"])),
            5 => ("authenticated", rng.Pick(["true", "false"])),
            6 => ("has_password", rng.Pick(["true", "false"])),
            7 => ("password_strength", rng.Pick(["weak", "fair", "strong"])),
            8 => ("oauth_provider", rng.Pick(["github", "google", "okta"])),
            9 => ("token_type", "Bearer"),
            10 => ("password_changed_at", $"{rng.Int(2019, 2025)}-{rng.Int(1, 12):00}-{rng.Int(1, 28):00}"),
            11 => ("api_key_id", $"key_{rng.Base62(10)}"),
            12 => ("token_expires_in", rng.Pick(["3600", "86400"])),
            13 => ("authority", rng.Pick(["login.example.com", "issuer"])),
            14 => ("secretary_office", $"Room {rng.Int(1, 400)}"),
            _ => ("is_secret", "false"),
        };
        return Row(PiiCorpusRow.None, name, value);
    }

    private static PiiCorpusRow Lookalikes(Rng rng)
    {
        var value = rng.Int(14) switch
        {
            0 => rng.Pick(["user@localhost", "root@localhost", "admin@intranet"]),
            1 => $"{rng.Pick(["logo", "icon", "avatar"])}@{rng.Int(2, 3)}x.{rng.Pick(["png", "webp", "jpg"])}",
            2 => $"@{rng.Pick(Firsts)}_{rng.Pick(Lasts)}",
            3 => $"ping @{rng.Pick(["channel", "here", "team"])} please",
            4 => rng.Pick(["foo@bar", "a@b", "x@y.z"]),
            5 => Base64Url(Encoding.UTF8.GetBytes($$"""{"foo":"{{rng.Base62(6)}}"}""")) + "." + Base64Url(Encoding.UTF8.GetBytes("""{"bar":1}""")) + "." + rng.Base62(20),
            6 => Base64Url(Encoding.UTF8.GetBytes("""{"alg":"HS256"}""")),
            7 => rng.Pick(["sk_live_xxxxxxxxxxxxxxxxxxxxxxxx", "sk_test_YOUR_KEY_HERE", "AKIAXXXXXXXXXXXXXXXX", "ghp_<your token>", "pk_live_..."]),
            8 => rng.Pick(["Bearer token", "Bearer <token>", "Bearer realm=\"api\"", "bearer of bad news"]),
            9 => "-----BEGIN " + rng.Pick(["PUBLIC KEY", "CERTIFICATE"]) + "-----\n" + Convert.ToBase64String(rng.Bytes(60)) + "\n-----END " + "CERTIFICATE-----",
            10 => $"{rng.Int(1, 9)}.{rng.Int(0, 9)}.{rng.Int(0, 9)}.{rng.Int(0, 9)}.{rng.Int(0, 9)}",
            11 => $"{rng.Int(256, 999)}.{rng.Int(0, 255)}.{rng.Int(0, 255)}.{rng.Int(0, 255)}",
            12 => $"ID {rng.Digits(2)}-{rng.Digits(3)}-{rng.Digits(4)}",
            _ => $"1-800-{rng.Pick(["FLOWERS", "CONTACTS", "GOFEDEX"])}",
        };
        return None(rng, ["note", "value", "asset", "mention", "debug", "sample", "label", "message"], value);
    }

    /// <summary>Identifiers that analytics properties really carry, added after the scanner was written, not tuned for.</summary>
    private static PiiCorpusRow RealWorldIds(Rng rng)
    {
        var value = rng.Int(20) switch
        {
            0 => rng.Pick(["cus_", "pi_", "price_", "sub_", "in_", "ch_"]) + rng.Base62(rng.Int(14, 24)),
            1 => $"arn:aws:iam::{rng.Digits(12)}:user/{rng.Pick(["deploy", "ci", "reader"])}",
            2 => $"arn:aws:s3:::bucket-{rng.Digits(6)}/exports/{rng.Digits(10)}.csv",
            3 => rng.NonZeroDigits(12),
            4 => $"{rng.Pick(["nginx", "postgres", "redis"])}:{rng.Int(1, 17)}.{rng.Int(0, 30)}.{rng.Int(0, 9)}",
            5 => $"ghcr.io/example/app:{rng.Int(2020, 2025)}.{rng.Int(1, 12):00}.{rng.Int(1, 28):00}",
            6 => $"api-{rng.Hex(10)}-{rng.Chars("abcdefghijklmnopqrstuvwxyz0123456789", 5)}",
            7 => $"1Z{rng.Chars("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 6)}{rng.Digits(10)}",
            8 => rng.NonZeroDigits(12),
            9 => $"9400 {rng.Digits(4)} {rng.Digits(4)} {rng.Digits(4)} {rng.Digits(4)} {rng.Digits(2)}",
            10 => $"{rng.NonZeroDigits(3)} {rng.Digits(3)} {rng.Digits(3)} {rng.Digits(5)}",
            11 => $"{rng.NonZeroDigits(5)}-{rng.Digits(4)}",
            12 => $"{rng.Pick(["K1A", "M5V", "H2X"])} {rng.Int(0, 9)}{rng.Pick(["B", "C", "W"])}{rng.Int(0, 9)}",
            13 => $"{rng.Pick(["BA", "LH", "AF", "UA"])} {rng.Digits(4)}",
            14 => $"10.{rng.Int(1000, 9999)}/{rng.Pick(["abc", "xyz.", "j."])}{rng.Digits(6)}",
            15 => $"+{rng.Int(10, 89)}.{rng.Digits(4)}{rng.Pick(["+", "-"])}{rng.Int(0, 179):000}.{rng.Digits(4)}/",
            16 => "1" + rng.Digits(18),
            17 => $"{rng.NonZeroDigits(4)}-{rng.Digits(2)}-{rng.Digits(1)}",
            18 => $"{rng.Int(2019, 2025)}-W{rng.Int(1, 52):00}",
            _ => $"TKT-{rng.Int(2019, 2025)}-{rng.Digits(4)}-{rng.Digits(4)}",
        };
        return None(rng, ["stripe_object", "resource", "account", "image", "pod", "tracking_number", "siret", "zip", "postal_code", "flight", "doi", "iso6709", "snowflake", "cas", "week", "ticket"], value);
    }

    /// <summary>SplitMix64: tiny, fast, and the same sequence on every runtime.</summary>
    internal sealed class Rng(ulong seed)
    {
        private const string Base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        private const string Base64UrlAlphabet = Base62Alphabet + "-_";
        private ulong _state = seed;

        public ulong Next()
        {
            var z = _state += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        /// <summary>0 ≤ result &lt; <paramref name="exclusive"/>.</summary>
        public int Int(int exclusive) => (int)(Next() % (ulong)exclusive);

        /// <summary><paramref name="min"/> ≤ result ≤ <paramref name="max"/>.</summary>
        public int Int(int min, int max) => min + (int)(Next() % (ulong)(max - min + 1));

        public T Pick<T>(IReadOnlyList<T> items) => items[Int(items.Count)];

        public string Chars(string alphabet, int count)
        {
            var chars = new char[count];
            for (var i = 0; i < count; i++) chars[i] = alphabet[Int(alphabet.Length)];
            return new string(chars);
        }

        public string Digits(int count) => Chars("0123456789", count);

        public string NonZeroDigits(int count) => Chars("123456789", 1) + Digits(count - 1);

        public string Hex(int count) => Chars("0123456789abcdef", count);

        public string Base62(int count) => Chars(Base62Alphabet, count);

        public string Base64UrlChars(int count) => Chars(Base64UrlAlphabet, count);

        public byte[] Bytes(int count)
        {
            var bytes = new byte[count];
            for (var i = 0; i < count; i++) bytes[i] = (byte)Next();
            return bytes;
        }
    }
}
