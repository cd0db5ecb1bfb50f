using System.Security.Cryptography;
using System.Text;

namespace Veil.Core.Privacy;

/// <summary>A project's secret key for turning identifiers into <see cref="Pseudonym"/>s.</summary>
public sealed class PseudonymKey
{
    private readonly byte[] _key;
    // One keyed HMAC per thread: re-keying on every call (HMACSHA256.HashData) costs more than the hash itself.
    private readonly ThreadLocal<IncrementalHash> _hmac;

    public PseudonymKey(ReadOnlySpan<byte> key)
    {
        if (key.Length < 32) throw new ArgumentException("A pseudonym key needs at least 32 bytes.", nameof(key));
        _key = key.ToArray();
        _hmac = new ThreadLocal<IncrementalHash>(() => IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key));
    }

    /// <summary>The prefix mixpanel-browser puts before a device id to make an anonymous distinct id.</summary>
    public const string DevicePrefix = "$device:";

    /// <summary>
    /// The pseudonym of a distinct id (or any id that names a person: alias, anon id, profile subject).
    /// <c>$device:&lt;id&gt;</c> and the bare device id are one identifier, so an anonymous event's distinct id equals its
    /// <c>$device_id</c> pseudonym and simplified ID merge can map the device to the user without a second HMAC.
    /// </summary>
    public Pseudonym ComputeDistinctId(string distinctId) =>
        distinctId.StartsWith(DevicePrefix, StringComparison.Ordinal) && distinctId.Length > DevicePrefix.Length
            ? Compute(distinctId[DevicePrefix.Length..])
            : Compute(distinctId);

    /// <summary>The pseudonym of a group: <paramref name="groupKey"/> (e.g. <c>company</c>) and the group's id together.</summary>
    public Pseudonym ComputeGroup(string groupKey, string groupId) => Compute(groupKey + "\u001f" + groupId);

    /// <summary>HMAC-SHA256(key, UTF-8 of <paramref name="identifier"/>) cut to 128 bits.</summary>
    public Pseudonym Compute(string identifier)
    {
        var max = Encoding.UTF8.GetMaxByteCount(identifier.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= 512 ? stackalloc byte[max] : (rented = new byte[max]);
        var length = Encoding.UTF8.GetBytes(identifier, utf8);
        Span<byte> mac = stackalloc byte[32];
        var hmac = _hmac.Value!;
        hmac.AppendData(utf8[..length]);
        hmac.GetHashAndReset(mac);
        return Pseudonym.FromBytes(mac[..16]);
    }
}
