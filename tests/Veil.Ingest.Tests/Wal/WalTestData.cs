using System.Buffers.Binary;
using Veil.Ingest.Wal;

namespace Veil.Ingest.Tests.Wal;

internal static class WalTestData
{
    /// <summary>A payload that names where it came from, so a mix-up shows which append it belonged to.</summary>
    public static byte[] Payload(int writer, int index, int extra = 0)
    {
        var payload = new byte[8 + extra];
        BinaryPrimitives.WriteInt32LittleEndian(payload, writer);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(4), index);
        for (var i = 0; i < extra; i++) payload[8 + i] = (byte)(writer * 31 + index * 7 + i);
        return payload;
    }

    public static byte[] Random(Random random, int length)
    {
        var payload = new byte[length];
        random.NextBytes(payload);
        return payload;
    }

    public static IReadOnlyList<WalRecord> ReadAll(this WriteAheadLog wal, long afterLsn = 0) =>
        wal.ReadAfter(afterLsn, int.MaxValue, long.MaxValue);
}
