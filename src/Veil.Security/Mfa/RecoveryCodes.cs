using System.Security.Cryptography;
using System.Text;

namespace Veil.Security.Mfa;

/// <summary>Ten single-use recovery codes of 80 random bits each (so one SHA-256 stores them safely), shown once.</summary>
public static class RecoveryCodes
{
    public const int Count = 10;
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public static IReadOnlyList<string> Generate()
    {
        var codes = new string[Count];
        for (var i = 0; i < Count; i++)
        {
            var chars = new char[16];
            for (var j = 0; j < chars.Length; j++) chars[j] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            var text = new string(chars);
            codes[i] = $"{text[..4]}-{text[4..8]}-{text[8..12]}-{text[12..]}";
        }
        return codes;
    }

    /// <summary>Hash of a code as typed: case, spaces and dashes do not matter.</summary>
    public static byte[] Hash(string code)
    {
        var normalised = new string([.. code.Where(char.IsAsciiLetterOrDigit).Select(char.ToUpperInvariant)]);
        return SHA256.HashData(Encoding.UTF8.GetBytes("veil-recovery:" + normalised));
    }
}
