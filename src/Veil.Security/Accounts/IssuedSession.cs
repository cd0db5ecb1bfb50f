using Veil.Storage.Metadata;

namespace Veil.Security.Accounts;

/// <summary>A freshly issued session: the secret token (for the cookie) and what is stored (its hash).</summary>
public sealed record IssuedSession(string Token, SessionRecord Record)
{
    public SessionStage Stage => Enum.Parse<SessionStage>(Record.Stage);

    /// <summary>The CSRF token bound to this session (sent back in the <c>X-CSRF-Token</c> header on unsafe requests).</summary>
    public string CsrfToken => SessionTokens.CsrfTokenOf(Token);
}
