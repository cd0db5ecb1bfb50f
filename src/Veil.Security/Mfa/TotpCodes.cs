using OtpNet;

namespace Veil.Security.Mfa;

/// <summary>RFC 6238 TOTP (SHA-1, 6 digits, 30 s) with one step of clock drift either way.</summary>
public static class TotpCodes
{
    public const int SecretBytes = 20;

    /// <summary>The time step <paramref name="code"/> matches at <paramref name="now"/>, or null.</summary>
    public static long? Match(byte[] secret, string code, DateTimeOffset now)
    {
        if (code.Length != 6 || !code.All(char.IsAsciiDigit)) return null;
        var totp = new Totp(secret, step: 30, mode: OtpHashMode.Sha1, totpSize: 6);
        return totp.VerifyTotp(now.UtcDateTime, code, out var step, new VerificationWindow(previous: 1, future: 1)) ? step : null;
    }

    /// <summary>The code at <paramref name="now"/> (for tests and software authenticators).</summary>
    public static string Compute(byte[] secret, DateTimeOffset now) => new Totp(secret, step: 30, mode: OtpHashMode.Sha1, totpSize: 6).ComputeTotp(now.UtcDateTime);

    public static string ToBase32(byte[] secret) => Base32Encoding.ToString(secret).TrimEnd('=');

    /// <summary>The otpauth:// URI authenticator apps scan.</summary>
    public static string Uri(byte[] secret, string account) =>
        $"otpauth://totp/Veil:{System.Uri.EscapeDataString(account)}?secret={ToBase32(secret)}&issuer=Veil&algorithm=SHA1&digits=6&period=30";
}
