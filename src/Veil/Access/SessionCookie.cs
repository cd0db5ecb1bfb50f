using Veil.Security.Accounts;

namespace Veil.Access;

/// <summary>The session cookie: <c>__Host-</c> prefixed, HttpOnly, Secure, SameSite=Strict, whole-site path, no Domain.</summary>
public static class SessionCookie
{
    public const string Name = "__Host-veil-session";
    /// <summary>The header unsafe requests made with the session cookie must carry (the value <c>csrf</c> of sign-in's answer).</summary>
    public const string CsrfHeader = "X-CSRF-Token";

    public static void Write(HttpContext context, IssuedSession session, AccountOptions options) =>
        context.Response.Cookies.Append(Name, session.Token, new CookieOptions
        {
            HttpOnly = true,
            Secure = true,
            SameSite = SameSiteMode.Strict,
            Path = "/",
            IsEssential = true,
            MaxAge = options.AbsoluteTimeout,
        });

    public static void Clear(HttpContext context) =>
        context.Response.Cookies.Delete(Name, new CookieOptions { HttpOnly = true, Secure = true, SameSite = SameSiteMode.Strict, Path = "/" });

    public static string? Read(HttpContext context) => context.Request.Cookies.TryGetValue(Name, out var value) ? value : null;
}
