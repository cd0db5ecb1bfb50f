namespace Veil.Security.Guard;

/// <summary>The exfiltration guard refused a read (budget crossed, or the credential or account is suspended): return 403 and nothing else.</summary>
public sealed class GuardDeniedException(string reason) : Exception(reason);
