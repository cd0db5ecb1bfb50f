using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Veil.Hosting;

/// <summary>
/// The server certificate: the operator's PEM files, or a self-signed one generated once and kept outside the
/// data directory (so a copy of the data directory does not carry the TLS key).
/// </summary>
public static class TlsCertificates
{
    public const string CertificateFileName = "veil-selfsigned.crt";
    public const string KeyFileName = "veil-selfsigned.key";

    /// <summary>Loads <paramref name="certPath"/>/<paramref name="keyPath"/>, or the self-signed pair in <paramref name="certDirectory"/>, creating it if missing.</summary>
    public static (X509Certificate2 Certificate, string CertificatePath, bool Generated) Load(string? certPath, string? keyPath, string certDirectory)
    {
        if (certPath is not null)
        {
            if (keyPath is null) throw new ArgumentException("--cert needs --cert-key (the PEM private key of that certificate).");
            return (X509Certificate2.CreateFromPemFile(certPath, keyPath), Path.GetFullPath(certPath), false);
        }
        Directory.CreateDirectory(certDirectory);
        var crt = Path.Combine(certDirectory, CertificateFileName);
        var key = Path.Combine(certDirectory, KeyFileName);
        var generated = false;
        if (!File.Exists(crt) || !File.Exists(key))
        {
            Generate(crt, key);
            generated = true;
        }
        return (X509Certificate2.CreateFromPemFile(crt, key), Path.GetFullPath(crt), generated);
    }

    /// <summary>SHA-256 fingerprint as colon-separated hex, the form browsers and openssl show.</summary>
    public static string Fingerprint(X509Certificate2 certificate) =>
        string.Join(':', certificate.GetCertHash(HashAlgorithmName.SHA256).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));

    private static void Generate(string crtPath, string keyPath)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=Veil local server", ecdsa, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        san.AddDnsName(Environment.MachineName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(2));
        File.WriteAllText(keyPath, ecdsa.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.WriteAllText(crtPath, certificate.ExportCertificatePem());
    }
}
