using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Veil.Access;

namespace Veil.Hosting;

/// <summary>
/// ASP.NET Core rate limiter policies: sign-in and MFA per client address (on top of the per-email and per-person
/// lockouts), every API surface per caller (credential, session or address). Ingestion is limited per token in the handler.
/// </summary>
public static class RateLimits
{
    public const string SignIn = "signin";
    public const string Mfa = "mfa";
    public const string Api = "api";

    public static void Configure(RateLimiterOptions options, VeilServerOptions veil)
    {
        options.RejectionStatusCode = 429;
        options.OnRejected = async (context, cancellationToken) =>
        {
            if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retry))
            {
                context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retry.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            }
            await Problems.Write(context.HttpContext, 429, "Too many requests", "Rate limit reached; slow down and retry after the Retry-After seconds.");
        };
        options.AddPolicy(SignIn, context => Window("signin:" + Address(context), veil.SignInLimitPerMinute));
        options.AddPolicy(Mfa, context => Window("mfa:" + Address(context), veil.MfaLimitPerMinute));
        options.AddPolicy(Api, context => Window("api:" + Caller(context), veil.ApiLimitPerMinute));
    }

    private static RateLimitPartition<string> Window(string key, int perMinute) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions { PermitLimit = perMinute, Window = TimeSpan.FromMinutes(1), QueueLimit = 0 });

    private static string Address(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    /// <summary>The caller's credential or session (hashed, never kept in clear), else its address.</summary>
    private static string Caller(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        var credential = authorization.Length > 0 ? authorization : SessionCookie.Read(context);
        return credential is null ? Address(context) : Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(credential)), 0, 12);
    }
}
