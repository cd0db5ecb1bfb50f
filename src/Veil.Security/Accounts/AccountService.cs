using System.Security.Cryptography;
using System.Text;
using Veil.Core.Privacy;
using Veil.Security.Access;
using Veil.Security.Mfa;
using Veil.Security.Passwords;
using Veil.Storage.Metadata;

namespace Veil.Security.Accounts;

/// <summary>
/// People, sign-in, sessions and TOTP: the rules of issue 6 in one place, with no HTTP in it. TOTP secrets are wrapped by
/// the master key, so a copy of the data directory holds no usable second factor.
/// </summary>
public sealed class AccountService
{
    private readonly IAccountStore _store;
    private readonly MasterKey _masterKey;
    private readonly TimeProvider _time;
    private readonly FailureThrottle _throttle;

    public AccountService(IAccountStore store, MasterKey masterKey, AccountOptions options, TimeProvider? time = null)
    {
        _store = store;
        _masterKey = masterKey;
        Options = options;
        _time = time ?? TimeProvider.System;
        Hasher = new PasswordHasher(options.PasswordCost);
        _throttle = new FailureThrottle(options, _time);
    }

    public AccountOptions Options { get; }
    public PasswordHasher Hasher { get; }
    public IAccountStore Store => _store;
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>Normalises and checks an email address (one @, a dot in the domain, no spaces, at most 254 characters).</summary>
    public static bool TryNormaliseEmail(string? email, out string normalised)
    {
        normalised = (email ?? "").Trim().ToLowerInvariant();
        var at = normalised.IndexOf('@', StringComparison.Ordinal);
        return normalised.Length is >= 3 and <= 254 && at > 0 && at == normalised.LastIndexOf('@') && normalised.IndexOf('.', at) > at + 1
            && !normalised.EndsWith('.') && !normalised.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
    }

    /// <summary>Creates a person whose password passes <see cref="PasswordRules"/>; throws <see cref="ArgumentException"/> with the reason otherwise.</summary>
    public UserRecord CreatePerson(string email, string password, bool mustChangePassword = false)
    {
        if (!TryNormaliseEmail(email, out var normalised)) throw new ArgumentException("That is not an email address.");
        if (PasswordRules.Check(password, normalised) is { } problem) throw new ArgumentException(problem);
        return _store.CreateUser(normalised, Hasher.Hash(password), mustChangePassword);
    }

    /// <summary>
    /// First run: the owner of every existing project, with a random one-time password (shown once by the caller, never
    /// stored in clear) that must be changed, and MFA enrolment forced at first sign-in.
    /// </summary>
    public (UserRecord Owner, string OneTimePassword) CreateInitialOwner(string email, IEnumerable<int> projectIds, string? oneTimePassword = null)
    {
        oneTimePassword ??= NewOneTimePassword();
        if (!TryNormaliseEmail(email, out var normalised)) throw new ArgumentException("That is not an email address.");
        var owner = _store.CreateUser(normalised, Hasher.Hash(oneTimePassword), mustChangePassword: true);
        foreach (var id in projectIds) _store.SetMembership(owner.Id, id, RoleNames.Format(Role.Owner));
        return (owner, oneTimePassword);
    }

    /// <summary>A random 20-character password from an unambiguous alphabet (about 100 bits).</summary>
    public static string NewOneTimePassword()
    {
        const string alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        var chars = new char[20];
        for (var i = 0; i < chars.Length; i++) chars[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        return new string(chars);
    }

    /// <summary>
    /// Email + password. Unknown emails run one dummy Argon2id verification, so they cost what known ones do; both get
    /// <see cref="SignInStatus.Invalid"/>. Repeated failures per email (known or not) lock it out for a while.
    /// </summary>
    public SignInResult SignIn(string email, string password)
    {
        TryNormaliseEmail(email, out var normalised);
        var key = "signin:" + normalised;
        if (_throttle.RetryAfter(key) is { } wait) return new SignInResult(SignInStatus.Throttled, null, wait);
        var user = normalised.Length == 0 ? null : _store.FindUserByEmail(normalised);
        if (user is null)
        {
            Hasher.VerifyDummy(password);
            _throttle.Fail(key);
            return new SignInResult(SignInStatus.Invalid, null, null);
        }
        if (!Hasher.Verify(password, user.PasswordHash, out var needsRehash))
        {
            _throttle.Fail(key);
            return new SignInResult(SignInStatus.Invalid, null, null);
        }
        _throttle.Succeed(key);
        if (needsRehash) _store.SetPassword(user.Id, Hasher.Hash(password), user.MustChangePassword);
        // Expired sessions are deleted when seen; sign-ins also sweep the ones nobody comes back for.
        var now = Now;
        _store.DeleteExpiredSessions(now - Options.IdleTimeout, now - Options.AbsoluteTimeout);
        return new SignInResult(SignInStatus.SignedIn, StartSession(user), null);
    }

    /// <summary>A new session for <paramref name="user"/> (a new id every sign-in: no fixation), at the stage its state asks for.</summary>
    public IssuedSession StartSession(UserRecord user, MfaLevel mfa = MfaLevel.None, DateTimeOffset? stepUpAt = null)
    {
        var now = Now;
        var stage = mfa != MfaLevel.None ? NextStageAfterMfa(user) : FirstStage(user);
        var token = SessionTokens.New();
        var record = new SessionRecord(SessionTokens.Hash(token), user.Id, stage.ToString(), mfa.ToString(), now, now, stepUpAt);
        _store.CreateSession(record);
        return new IssuedSession(token, record);
    }

    private SessionStage FirstStage(UserRecord user)
    {
        if (user.MustChangePassword) return SessionStage.PasswordChange;
        if (HasFactor(user.Id)) return SessionStage.MfaVerify;
        return NeedsMfa(user.Id) ? SessionStage.MfaEnrolment : SessionStage.Full;
    }

    private SessionStage NextStageAfterMfa(UserRecord user) => user.MustChangePassword ? SessionStage.PasswordChange : SessionStage.Full;

    /// <summary>
    /// Whether any of the person's roles can see individual-level data. A person with no membership yet (the first-run
    /// owner of an empty server, who will own every new project) needs MFA too: they reach nothing without it anyway.
    /// </summary>
    public bool NeedsMfa(long userId)
    {
        var memberships = _store.ListMemberships(userId);
        return memberships.Count == 0 || memberships.Any(m => RoleNames.TryParse(m.Role, out var role) && AccessRules.RoleNeedsMfa(role));
    }

    public bool HasFactor(long userId) => _store.FindTotpFactor(userId) is { Confirmed: true } || _store.ListPasskeys(userId).Count > 0;

    /// <summary>The live session behind <paramref name="token"/>, or null if unknown, idle too long or too old (then it is deleted).</summary>
    public SessionState? Resolve(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100) return null;
        var hash = SessionTokens.Hash(token);
        var record = _store.FindSession(hash);
        if (record is null) return null;
        var now = Now;
        if (now - record.LastSeenAt > Options.IdleTimeout || now - record.CreatedAt > Options.AbsoluteTimeout)
        {
            _store.DeleteSession(hash);
            return null;
        }
        var user = _store.FindUser(record.UserId);
        if (user is null) return null;
        // Refresh the idle clock at most once a minute: each refresh is a durable write.
        if (now - record.LastSeenAt > TimeSpan.FromMinutes(1))
        {
            record = record with { LastSeenAt = now };
            _store.UpdateSession(record);
        }
        return new SessionState(token, record, user);
    }

    /// <summary>Replaces a session by a new one (new id) after a privilege change: MFA passed, password changed.</summary>
    public IssuedSession Rotate(SessionState session, MfaLevel mfa, DateTimeOffset? stepUpAt)
    {
        _store.DeleteSession(session.Record.IdHash);
        var user = _store.FindUser(session.User.Id) ?? session.User;
        var issued = StartSession(user, mfa, stepUpAt);
        // A session that skipped MFA (no factor, no role needing one) stays full after a password change.
        if (mfa == MfaLevel.None && issued.Stage == SessionStage.MfaVerify && session.Stage == SessionStage.Full)
        {
            var record = issued.Record with { Stage = SessionStage.Full.ToString() };
            _store.UpdateSession(record);
            return issued with { Record = record };
        }
        return issued;
    }

    public void SignOut(SessionState session) => _store.DeleteSession(session.Record.IdHash);

    /// <summary>Ends every session of the person, everywhere.</summary>
    public int SignOutEverywhere(long userId) => _store.DeleteSessions(userId);

    /// <summary>Sets a new password after checking the current one; null on success, else the reason.</summary>
    public string? ChangePassword(UserRecord user, string currentPassword, string newPassword)
    {
        var key = "password:" + user.Id;
        if (_throttle.RetryAfter(key) is not null) return "Too many wrong passwords; wait a minute.";
        if (!Hasher.Verify(currentPassword, user.PasswordHash, out _))
        {
            _throttle.Fail(key);
            return "The current password is wrong.";
        }
        _throttle.Succeed(key);
        if (PasswordRules.Check(newPassword, user.Email) is { } problem) return problem;
        if (newPassword == currentPassword) return "The new password must differ from the current one.";
        _store.SetPassword(user.Id, Hasher.Hash(newPassword), mustChangePassword: false);
        return null;
    }

    /// <summary>Starts (or restarts) TOTP enrolment: a fresh secret, stored wrapped and unconfirmed. Returns the secret for the app.</summary>
    public byte[] BeginTotpEnrolment(long userId)
    {
        if (_store.FindTotpFactor(userId) is { Confirmed: true }) throw new InvalidOperationException("TOTP is already enrolled; remove it first.");
        var secret = RandomNumberGenerator.GetBytes(TotpCodes.SecretBytes);
        _store.PutTotpFactor(new TotpFactorRecord(userId, _masterKey.Wrap(secret, TotpContext(userId)), false, 0, Now));
        return secret;
    }

    /// <summary>Confirms enrolment with a first code; returns fresh recovery codes (shown once), or null if the code is wrong.</summary>
    public IReadOnlyList<string>? ConfirmTotp(long userId, string code)
    {
        var factor = _store.FindTotpFactor(userId);
        if (factor is null || factor.Confirmed) return null;
        if (!TryCode(userId, factor, code, out var step)) return null;
        _store.ConfirmTotpFactor(userId, step);
        return NewRecoveryCodes(userId);
    }

    public IReadOnlyList<string> NewRecoveryCodes(long userId)
    {
        var codes = RecoveryCodes.Generate();
        _store.ReplaceRecoveryCodes(userId, [.. codes.Select(RecoveryCodes.Hash)]);
        return codes;
    }

    /// <summary>Checks a TOTP code of a confirmed factor. A code (time step) works once: replays fail. Throttled per person.</summary>
    public MfaCheck VerifyTotp(long userId, string code)
    {
        var factor = _store.FindTotpFactor(userId);
        if (factor is not { Confirmed: true }) return MfaCheck.Failed;
        if (_throttle.RetryAfter("mfa:" + userId) is not null) return MfaCheck.Throttled;
        return TryCode(userId, factor, code, out _) ? MfaCheck.Passed : MfaCheck.Failed;
    }

    /// <summary>Uses up a recovery code (throttled like TOTP codes).</summary>
    public MfaCheck UseRecoveryCode(long userId, string code)
    {
        var key = "mfa:" + userId;
        if (_throttle.RetryAfter(key) is not null) return MfaCheck.Throttled;
        if (code.Length is 0 or > 64 || !_store.ConsumeRecoveryCode(userId, RecoveryCodes.Hash(code)))
        {
            _throttle.Fail(key);
            return MfaCheck.Failed;
        }
        _throttle.Succeed(key);
        return MfaCheck.Passed;
    }

    /// <summary>Records a failed passkey check against the person's MFA throttle.</summary>
    public bool MfaThrottled(long userId) => _throttle.RetryAfter("mfa:" + userId) is not null;

    public void MfaFailed(long userId) => _throttle.Fail("mfa:" + userId);

    public void MfaSucceeded(long userId) => _throttle.Succeed("mfa:" + userId);

    private bool TryCode(long userId, TotpFactorRecord factor, string code, out long step)
    {
        step = 0;
        var key = "mfa:" + userId;
        var secret = _masterKey.Unwrap(factor.WrappedSecret, TotpContext(userId));
        try
        {
            if (TotpCodes.Match(secret, code, Now) is not { } matched || matched <= factor.LastStep || (factor.Confirmed && !_store.AdvanceTotpStep(userId, matched)))
            {
                _throttle.Fail(key);
                return false;
            }
            step = matched;
            _throttle.Succeed(key);
            return true;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] TotpContext(long userId) => Encoding.UTF8.GetBytes($"veil/totp/{userId}");
}
