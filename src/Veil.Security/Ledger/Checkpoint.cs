using System.Globalization;
using System.Text;

namespace Veil.Security.Ledger;

/// <summary>A C2SP tlog-checkpoint body: origin, tree size and root hash.</summary>
public sealed record Checkpoint(string Origin, long Size, byte[] Root)
{
    /// <summary>The signed text: "origin\nsize\nbase64(root)\n".</summary>
    public string Body() => $"{Origin}\n{Size.ToString(CultureInfo.InvariantCulture)}\n{Convert.ToBase64String(Root)}\n";

    /// <summary>Parses a body (extension lines after the root are ignored); null when malformed.</summary>
    public static Checkpoint? ParseBody(string body)
    {
        var lines = body.Split('\n');
        if (lines.Length < 4 || lines[0].Length == 0 || lines[^1].Length != 0) return null;
        if (!long.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var size) || size < 0) return null;
        if (size.ToString(CultureInfo.InvariantCulture) != lines[1]) return null; // no leading zeros
        try
        {
            var root = Convert.FromBase64String(lines[2]);
            return root.Length == MerkleHash.Size ? new Checkpoint(lines[0], size, root) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Bytes of the body, as signed.</summary>
    public byte[] BodyBytes() => Encoding.UTF8.GetBytes(Body());
}
