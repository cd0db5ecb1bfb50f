using System.Collections.Concurrent;
using System.Text.Json;
using Fido2NetLib;
using Fido2NetLib.Objects;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Veil.Hosting;
using Veil.Security.Accounts;
using Veil.Storage.Metadata;

namespace Veil.Access;

/// <summary>
/// WebAuthn registration and assertion (Fido2), with the pending challenge of each ceremony kept in memory per session
/// for two minutes. The relying party is the server's public origin (<c>--public-url</c>, else its first listen address
/// with loopback addresses named <c>localhost</c>); assertions from any other origin fail.
/// </summary>
public sealed class PasskeyCeremonies(VeilServerOptions options, IServer server, AccountService accounts)
{
    private static readonly TimeSpan ChallengeLifetime = TimeSpan.FromMinutes(2);
    private readonly ConcurrentDictionary<string, (string Json, DateTimeOffset Expires)> _pending = new(StringComparer.Ordinal);
    private readonly Lazy<(Fido2 Fido2, string Origin)> _fido2 = new(() => Create(options, server));

    /// <summary>The origin passkeys are bound to.</summary>
    public string Origin => _fido2.Value.Origin;

    public string BeginRegistration(SessionState session)
    {
        var user = session.User;
        var existing = accounts.Store.ListPasskeys(user.Id).Select(p => new PublicKeyCredentialDescriptor(p.CredentialId)).ToList();
        var created = _fido2.Value.Fido2.RequestNewCredential(new RequestNewCredentialParams
        {
            User = new Fido2User { Id = UserHandle(user.Id), Name = user.Email, DisplayName = user.Email },
            ExcludeCredentials = existing,
            AuthenticatorSelection = new AuthenticatorSelection { ResidentKey = ResidentKeyRequirement.Preferred, UserVerification = UserVerificationRequirement.Preferred },
            AttestationPreference = AttestationConveyancePreference.None,
        });
        var json = created.ToJson();
        Remember("register:" + Key(session), json);
        return json;
    }

    /// <summary>Verifies an attestation against the pending challenge and stores the passkey; the error (for a 400) otherwise.</summary>
    public async Task<string?> FinishRegistrationAsync(SessionState session, string responseJson, string name, CancellationToken cancellationToken)
    {
        if (Take("register:" + Key(session)) is not { } pending) return "No registration is pending (or it expired): POST /api/auth/passkeys/register/options first.";
        if (Parse<AuthenticatorAttestationRawResponse>(responseJson) is not { } response) return "`credential` is not a WebAuthn attestation response.";
        try
        {
            var credential = await _fido2.Value.Fido2.MakeNewCredentialAsync(new MakeNewCredentialParams
            {
                AttestationResponse = response,
                OriginalOptions = CredentialCreateOptions.FromJson(pending),
                IsCredentialIdUniqueToUserCallback = (p, _) => Task.FromResult(accounts.Store.FindPasskey(p.CredentialId) is null),
            }, cancellationToken);
            accounts.Store.AddPasskey(new PasskeyRecord(credential.Id, session.User.Id, credential.PublicKey, credential.SignCount, credential.User.Id, name, accounts.Now));
            return null;
        }
        catch (Exception e) when (e is Fido2VerificationException or ArgumentException or FormatException or InvalidOperationException)
        {
            return "The passkey could not be verified: " + e.Message;
        }
    }

    public string? BeginAssertion(SessionState session)
    {
        var passkeys = accounts.Store.ListPasskeys(session.User.Id);
        if (passkeys.Count == 0) return null;
        var assertion = _fido2.Value.Fido2.GetAssertionOptions(new GetAssertionOptionsParams
        {
            AllowedCredentials = [.. passkeys.Select(p => new PublicKeyCredentialDescriptor(p.CredentialId))],
            UserVerification = UserVerificationRequirement.Preferred,
        });
        var json = assertion.ToJson();
        Remember("assert:" + Key(session), json);
        return json;
    }

    /// <summary>Verifies an assertion (challenge, origin, signature, counter) by one of the person's passkeys; the error otherwise.</summary>
    public async Task<string?> FinishAssertionAsync(SessionState session, string responseJson, CancellationToken cancellationToken)
    {
        if (Take("assert:" + Key(session)) is not { } pending) return "No passkey check is pending (or it expired): POST /api/auth/passkeys/assert/options first.";
        if (Parse<AuthenticatorAssertionRawResponse>(responseJson) is not { } response || response.RawId is null) return "`credential` is not a WebAuthn assertion response.";
        var passkey = accounts.Store.FindPasskey(response.RawId);
        if (passkey is null || passkey.UserId != session.User.Id) return "That passkey is not registered to you.";
        try
        {
            var result = await _fido2.Value.Fido2.MakeAssertionAsync(new MakeAssertionParams
            {
                AssertionResponse = response,
                OriginalOptions = AssertionOptions.FromJson(pending),
                StoredPublicKey = passkey.PublicKey,
                StoredSignatureCounter = passkey.SignCount,
                IsUserHandleOwnerOfCredentialIdCallback = (p, _) => Task.FromResult(p.UserHandle.AsSpan().SequenceEqual(passkey.UserHandle)),
            }, cancellationToken);
            accounts.Store.UpdatePasskeyCounter(passkey.CredentialId, result.SignCount);
            return null;
        }
        catch (Exception e) when (e is Fido2VerificationException or ArgumentException or FormatException or InvalidOperationException)
        {
            return "The passkey check failed: " + e.Message;
        }
    }

    private static T? Parse<T>(string json) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json);
        }
        catch (Exception e) when (e is JsonException or FormatException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private void Remember(string key, string json)
    {
        var now = accounts.Now;
        foreach (var (k, v) in _pending)
        {
            if (v.Expires < now) _pending.TryRemove(k, out _);
        }
        _pending[key] = (json, now + ChallengeLifetime);
    }

    /// <summary>A challenge is used at most once, whatever the outcome.</summary>
    private string? Take(string key) => _pending.TryRemove(key, out var entry) && entry.Expires >= accounts.Now ? entry.Json : null;

    private static string Key(SessionState session) => Convert.ToHexString(session.Record.IdHash);

    /// <summary>The WebAuthn user handle: 8 bytes of the person id (not secret, not personal).</summary>
    private static byte[] UserHandle(long userId)
    {
        var handle = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(handle, userId);
        return handle;
    }

    private static (Fido2, string) Create(VeilServerOptions options, IServer server)
    {
        var origin = options.PublicUrl?.TrimEnd('/');
        if (origin is null)
        {
            var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() ?? options.Urls.FirstOrDefault() ?? "https://localhost";
            var uri = new Uri(address);
            var host = uri.Host is "127.0.0.1" or "[::1]" or "0.0.0.0" or "[::]" or "::1" ? "localhost" : uri.Host;
            origin = $"{uri.Scheme}://{host}" + (uri.IsDefaultPort ? "" : ":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        var rpId = new Uri(origin).Host;
        var config = new Fido2Configuration { RPID = rpId, RPName = "Veil", Origins = new HashSet<string>([origin], StringComparer.Ordinal) };
        return (new Fido2(config, null!), origin);
    }
}
