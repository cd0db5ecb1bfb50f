using Veil.Security.Access;
using Veil.Security.Accounts;
using Veil.Security.Mfa;
using Veil.Security.Passwords;

namespace Veil.Security.Tests;

public sealed class AccountServiceTests : IDisposable
{
    private readonly TestAccounts _accounts = new();
    private AccountService Service => _accounts.Service;

    public void Dispose() => _accounts.Dispose();

    [Fact]
    public void Unknown_and_known_emails_cost_one_argon2_each()
    {
        Service.CreatePerson("known@example.com", "a perfectly fine passphrase");
        var before = Service.Hasher.Invocations;
        Assert.Equal(SignInStatus.Invalid, Service.SignIn("known@example.com", "the wrong passphrase!").Status);
        var known = Service.Hasher.Invocations - before;
        before = Service.Hasher.Invocations;
        Assert.Equal(SignInStatus.Invalid, Service.SignIn("nobody@example.com", "the wrong passphrase!").Status);
        var unknown = Service.Hasher.Invocations - before;
        Assert.Equal(1, known);
        Assert.Equal(known, unknown);
    }

    [Fact]
    public void Repeated_wrong_passwords_lock_the_email_out_then_it_recovers()
    {
        Service.CreatePerson("locked@example.com", "a perfectly fine passphrase");
        for (var i = 0; i < 5; i++) Assert.Equal(SignInStatus.Invalid, Service.SignIn("locked@example.com", "wrong passphrase " + i).Status);
        var before = Service.Hasher.Invocations;
        var throttled = Service.SignIn("locked@example.com", "a perfectly fine passphrase");
        Assert.Equal(SignInStatus.Throttled, throttled.Status);
        Assert.Equal(before, Service.Hasher.Invocations);
        // Unknown emails are throttled the same way, so the lockout reveals nothing.
        for (var i = 0; i < 5; i++) Service.SignIn("ghost@example.com", "wrong passphrase " + i);
        Assert.Equal(SignInStatus.Throttled, Service.SignIn("ghost@example.com", "anything at all").Status);
        _accounts.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(SignInStatus.SignedIn, Service.SignIn("LOCKED@example.com", "a perfectly fine passphrase").Status);
    }

    [Fact]
    public void Totp_enrolment_verify_and_replay()
    {
        var person = Service.CreatePerson("mfa@example.com", "a perfectly fine passphrase");
        _accounts.Store.SetMembership(person.Id, 1, "analyst");
        Assert.Equal(SessionStage.MfaEnrolment, Service.SignIn("mfa@example.com", "a perfectly fine passphrase").Session!.Stage);

        var secret = Service.BeginTotpEnrolment(person.Id);
        Assert.Null(Service.ConfirmTotp(person.Id, "000000" == TotpCodes.Compute(secret, Service.Now) ? "111111" : "000000"));
        var recovery = Service.ConfirmTotp(person.Id, TotpCodes.Compute(secret, Service.Now));
        Assert.NotNull(recovery);
        Assert.Equal(10, recovery.Count);

        // The code used to confirm cannot be used again (same time step).
        Assert.Equal(MfaCheck.Failed, Service.VerifyTotp(person.Id, TotpCodes.Compute(secret, Service.Now)));
        _accounts.Clock.Advance(TimeSpan.FromSeconds(30));
        var code = TotpCodes.Compute(secret, Service.Now);
        Assert.Equal(MfaCheck.Passed, Service.VerifyTotp(person.Id, code));
        Assert.Equal(MfaCheck.Failed, Service.VerifyTotp(person.Id, code));

        Assert.Equal(SessionStage.MfaVerify, Service.SignIn("mfa@example.com", "a perfectly fine passphrase").Session!.Stage);
        Assert.Equal(MfaCheck.Passed, Service.UseRecoveryCode(person.Id, recovery[0].ToLowerInvariant()));
        Assert.Equal(MfaCheck.Failed, Service.UseRecoveryCode(person.Id, recovery[0]));
    }

    [Fact]
    public void Wrong_totp_codes_are_throttled()
    {
        var person = Service.CreatePerson("brute@example.com", "a perfectly fine passphrase");
        var secret = Service.BeginTotpEnrolment(person.Id);
        Assert.NotNull(Service.ConfirmTotp(person.Id, TotpCodes.Compute(secret, Service.Now)));
        _accounts.Clock.Advance(TimeSpan.FromMinutes(1));
        var right = TotpCodes.Compute(secret, Service.Now);
        var wrong = right == "123456" ? "654321" : "123456";
        for (var i = 0; i < 5; i++) Assert.Equal(MfaCheck.Failed, Service.VerifyTotp(person.Id, wrong));
        Assert.Equal(MfaCheck.Throttled, Service.VerifyTotp(person.Id, right));
    }

    [Fact]
    public void Sessions_expire_when_idle_and_at_the_absolute_limit()
    {
        var person = Service.CreatePerson("idle@example.com", "a perfectly fine passphrase");
        var session = Service.StartSession(person);
        Assert.NotNull(Service.Resolve(session.Token));
        _accounts.Clock.Advance(TimeSpan.FromMinutes(31));
        Assert.Null(Service.Resolve(session.Token));

        session = Service.StartSession(person);
        for (var i = 0; i < 26; i++)
        {
            _accounts.Clock.Advance(TimeSpan.FromMinutes(29));
            if (i < 24) Assert.NotNull(Service.Resolve(session.Token));
        }
        Assert.Null(Service.Resolve(session.Token));
    }

    [Fact]
    public void Sign_out_everywhere_ends_every_session()
    {
        var person = Service.CreatePerson("many@example.com", "a perfectly fine passphrase");
        var a = Service.StartSession(person);
        var b = Service.StartSession(person);
        Assert.NotEqual(a.Token, b.Token);
        Assert.Equal(2, Service.SignOutEverywhere(person.Id));
        Assert.Null(Service.Resolve(a.Token));
        Assert.Null(Service.Resolve(b.Token));
    }

    [Fact]
    public void Initial_owner_must_change_password_and_enrol()
    {
        var (owner, password) = Service.CreateInitialOwner("owner@veil.local", [1]);
        Assert.Null(PasswordRules.Check(password));
        var signIn = Service.SignIn("owner@veil.local", password);
        Assert.Equal(SessionStage.PasswordChange, signIn.Session!.Stage);
        Assert.Null(Service.ChangePassword(owner, password, "a brand new passphrase"));
        var rotated = Service.Rotate(Service.Resolve(signIn.Session.Token)!, MfaLevel.None, null);
        Assert.Equal(SessionStage.MfaEnrolment, rotated.Stage);
        Assert.Null(Service.Resolve(signIn.Session.Token));
    }

    [Theory]
    [InlineData(Role.Owner, Permission.ReadLedger, true)]
    [InlineData(Role.Admin, Permission.ReadLedger, false)]
    [InlineData(Role.Analyst, Permission.ReadIndividual, true)]
    [InlineData(Role.Analyst, Permission.Admin, false)]
    [InlineData(Role.Viewer, Permission.ReadAggregate, true)]
    [InlineData(Role.Viewer, Permission.ReadIndividual, false)]
    [InlineData(Role.Auditor, Permission.ReadAggregate, false)]
    [InlineData(Role.Auditor, Permission.ReadLedger, true)]
    public void Role_table(Role role, Permission permission, bool granted) => Assert.Equal(granted, AccessRules.RoleGrants(role, permission));

    [Fact]
    public void No_scope_grants_step_up_permissions_or_the_ledger()
    {
        var all = (CredentialScopes)63;
        Assert.False(AccessRules.ScopesGrant(all, Permission.ReadVaultPii));
        Assert.False(AccessRules.ScopesGrant(all, Permission.ManageCredentials));
        Assert.False(AccessRules.ScopesGrant(all, Permission.ReadLedger));
        Assert.True(ScopeNames.TryParse(["import", "read:aggregate"], out var scopes, out _));
        Assert.Equal(CredentialScopes.Import | CredentialScopes.ReadAggregate, scopes);
        Assert.False(ScopeNames.TryParse(["read:everything"], out _, out var unknown));
        Assert.Equal("read:everything", unknown);
    }
}
