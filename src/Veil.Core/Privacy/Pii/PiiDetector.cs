namespace Veil.Core.Privacy.Pii;

/// <summary>A kind of personal data or secret the <see cref="PiiScanner"/> recognises.</summary>
public enum PiiDetector
{
    /// <summary>An email address.</summary>
    Email,
    /// <summary>A phone number in E.164 or a common national format.</summary>
    Phone,
    /// <summary>A payment card number of a known brand with a valid Luhn check digit.</summary>
    PaymentCard,
    /// <summary>An IBAN of the right length for its country with valid check digits.</summary>
    Iban,
    /// <summary>A US social security number.</summary>
    UsSsn,
    /// <summary>An IPv4 or IPv6 address.</summary>
    IpAddress,
    /// <summary>A JSON web token.</summary>
    Jwt,
    /// <summary>A secret recognised by its prefix (Stripe, GitHub, Slack, AWS, Google, GitLab, SendGrid, PEM private keys, bearer tokens).</summary>
    ApiKey,
    /// <summary>Any value of a property whose name says it holds a secret (password, token, api key, …).</summary>
    SecretByName,
}
