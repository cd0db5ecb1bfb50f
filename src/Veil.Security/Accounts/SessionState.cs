using Veil.Storage.Metadata;

namespace Veil.Security.Accounts;

/// <summary>A valid session resolved from its token, with its person.</summary>
public sealed record SessionState(string Token, SessionRecord Record, UserRecord User)
{
    public SessionStage Stage => Enum.Parse<SessionStage>(Record.Stage);
    public Access.MfaLevel Mfa => Enum.Parse<Access.MfaLevel>(Record.MfaLevel);
}
