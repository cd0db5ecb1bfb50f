using System.Buffers;
using System.Security.Cryptography;

namespace Veil.Security.Ledger;

/// <summary>RFC 6962 / RFC 9162 hashing: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right).</summary>
public static class MerkleHash
{
    /// <summary>Bytes in every hash.</summary>
    public const int Size = 32;

    /// <summary>The root of the empty tree: SHA-256 of nothing.</summary>
    public static byte[] EmptyRoot() => SHA256.HashData(ReadOnlySpan<byte>.Empty);

    /// <summary>The leaf hash of an entry's bytes.</summary>
    public static byte[] Leaf(ReadOnlySpan<byte> data)
    {
        var hash = new byte[Size];
        Leaf(data, hash);
        return hash;
    }

    /// <summary>Writes the leaf hash of <paramref name="data"/> into <paramref name="destination"/>.</summary>
    public static void Leaf(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        // One-shot hashing of 0x00 || data: an incremental hash object per leaf costs more than hashing a typical entry.
        if (data.Length < 1024 * 1024)
        {
            var rented = data.Length < 4096 ? null : ArrayPool<byte>.Shared.Rent(data.Length + 1);
            var buffer = rented is null ? stackalloc byte[data.Length + 1] : rented.AsSpan(0, data.Length + 1);
            buffer[0] = 0x00;
            data.CopyTo(buffer[1..]);
            SHA256.HashData(buffer, destination);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
            return;
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData([0x00]);
        sha.AppendData(data);
        sha.GetHashAndReset(destination);
    }

    /// <summary>The hash of an interior node.</summary>
    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Size];
        if (left.Length != Size || right.Length != Size)
        {
            // Proof elements of the wrong length never verify; hash them as given so the mismatch surfaces as a root mismatch.
            var data = new byte[1 + left.Length + right.Length];
            data[0] = 0x01;
            left.CopyTo(data.AsSpan(1));
            right.CopyTo(data.AsSpan(1 + left.Length));
            return SHA256.HashData(data);
        }
        buffer[0] = 0x01;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Size)..]);
        return SHA256.HashData(buffer);
    }
}
