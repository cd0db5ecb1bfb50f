using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Veil.Load;

/// <summary>The HTTP client of a run: HTTP/1.1 keep-alive, one pooled connection per worker, optional pinned CA.</summary>
internal static class LoadHttpClient
{
    /// <param name="connections">Pool size: one connection per worker.</param>
    /// <param name="caPemPath">Trust exactly this certificate (e.g. Veil's self-signed one) instead of the system roots.</param>
    /// <param name="timeout">Per-request timeout.</param>
    public static HttpClient Create(int connections, string? caPemPath, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        if (caPemPath is not null)
        {
            var ca = X509Certificate2.CreateFromPem(File.ReadAllText(caPemPath));
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(ca);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        return new HttpClient(handler, disposeHandler: true)
        {
            Timeout = timeout,
            DefaultRequestVersion = HttpVersion.Version11,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }
}
