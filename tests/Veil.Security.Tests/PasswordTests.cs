using Veil.Security.Passwords;

namespace Veil.Security.Tests;

public sealed class PasswordTests
{
    [Fact]
    public void Owasp_cost_is_the_default_and_hashes_are_phc_strings()
    {
        Assert.Equal(new Argon2idCost(19456, 2, 1), Argon2idCost.Owasp);
        var hasher = new PasswordHasher(Argon2idCost.Owasp);
        var hash = hasher.Hash("correct horse battery staple");
        Assert.StartsWith("$argon2id$v=19$m=19456,t=2,p=1$", hash, StringComparison.Ordinal);
        Assert.True(hasher.Verify("correct horse battery staple", hash, out var rehash));
        Assert.False(rehash);
        Assert.False(hasher.Verify("correct horse battery stapler", hash, out _));
    }

    [Fact]
    public void A_cheaper_old_hash_verifies_and_asks_for_a_rehash()
    {
        var old = new PasswordHasher(Argon2idCost.InsecureForTestsOnly).Hash("a long enough passphrase");
        var hasher = new PasswordHasher(new Argon2idCost(128, 2, 1));
        Assert.True(hasher.Verify("a long enough passphrase", old, out var rehash));
        Assert.True(rehash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("$argon2id$v=19$m=64,t=1,p=1$bad$bad")]
    [InlineData("$argon2i$v=19$m=64,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA")]
    [InlineData("$argon2id$v=19$m=x,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAA")]
    [InlineData("plain")]
    public void Malformed_hashes_never_verify(string encoded) =>
        Assert.False(new PasswordHasher(Argon2idCost.InsecureForTestsOnly).Verify("whatever password", encoded, out _));

    [Theory]
    [InlineData("short", "at least 12")]
    [InlineData("password1234", "common")]
    [InlineData("Password123456!", "common")]
    [InlineData("P@ssw0rd2024!!", "common")]
    [InlineData("qwertyuiopasdf", "sequence")]
    [InlineData("aaaaaaaaaaaaaaa", "repeats")]
    [InlineData("abababababababab", "repeats")]
    [InlineData("1234567890123", "sequence")]
    [InlineData("monkeymonkeymonkey", "common")]
    [InlineData("veilveilveil", "name")]
    [InlineData("jane.doe.2026!", "email")]
    public void Weak_passwords_are_refused_with_a_reason(string password, string reason)
    {
        var problem = PasswordRules.Check(password, "jane.doe@example.com");
        Assert.NotNull(problem);
        Assert.Contains(reason, problem, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("correct horse battery staple")]
    [InlineData("lowercase only but long enough")]
    [InlineData("ÜnïcødeΣ passphrase")]
    public void Long_unusual_passwords_pass_without_composition_rules(string password) => Assert.Null(PasswordRules.Check(password, "jane@example.com"));
}
