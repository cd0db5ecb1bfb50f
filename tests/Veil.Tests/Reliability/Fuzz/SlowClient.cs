using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Veil.Fuzz;

/// <summary>
/// Slowloris-style clients: one that never finishes its headers and one that sends its body a byte at a time. Kestrel's
/// header timeout and minimum body data rate must cut both off, so slow clients cannot hold connections for ever.
/// </summary>
public static class SlowClient
{
    /// <summary>Seconds until the server dropped a connection dribbling header bytes (or <paramref name="limit"/> if it never did).</summary>
    public static Task<double> SlowHeadersAsync(string host, int port, TimeSpan limit) =>
        DribbleAsync(host, port, "POST /track HTTP/1.1\r\nHost: fuzz\r\n", "X-Slow: a", limit);

    /// <summary>Seconds until the server dropped (or answered) a request whose body arrives at 2 bytes/s.</summary>
    public static Task<double> SlowBodyAsync(string host, int port, TimeSpan limit) =>
        DribbleAsync(host, port, "POST /track HTTP/1.1\r\nHost: fuzz\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n", "data=eyJldmVudCI6IngifQ", limit);

    private static async Task<double> DribbleAsync(string host, int port, string start, string drip, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(host, port);
        // The fuzzer only talks to its own loopback server; the certificate is not what is under test here.
        await using var tls = new SslStream(tcp.GetStream(), false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host, RemoteCertificateValidationCallback = (_, _, _, _) => true });
        await tls.WriteAsync(Encoding.ASCII.GetBytes(start));
        await tls.FlushAsync();
        var buffer = new byte[4096];
        var read = tls.ReadAsync(buffer).AsTask();
        var i = 0;
        while (clock.Elapsed < limit)
        {
            var delay = Task.Delay(500);
            if (await Task.WhenAny(read, delay) == read) return clock.Elapsed.TotalSeconds;
            try
            {
                await tls.WriteAsync(Encoding.ASCII.GetBytes(drip[i++ % drip.Length].ToString()));
                await tls.FlushAsync();
            }
            catch (IOException)
            {
                return clock.Elapsed.TotalSeconds;
            }
        }
        return limit.TotalSeconds;
    }
}
