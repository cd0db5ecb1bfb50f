using System.Security.Cryptography;
using System.Text;

namespace Veil.Security.Accounts;

/// <summary>Session tokens: 256 random bits; stored only as SHA-256; the CSRF token derived from the session token.</summary>
public static class SessionTokens
{
    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>Derived, not stored: whoever can read the (HttpOnly) session cookie's value could forge nothing more.</summary>
    public static string CsrfTokenOf(string token) => Base64Url(SHA256.HashData(Encoding.UTF8.GetBytes("veil-csrf:" + token)));

    public static bool CsrfMatches(string sessionToken, string? presented) =>
        presented is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(CsrfTokenOf(sessionToken)), Encoding.UTF8.GetBytes(presented));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
