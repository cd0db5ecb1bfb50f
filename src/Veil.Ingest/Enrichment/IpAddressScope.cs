using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// Decides which addresses are worth a geo lookup, and which IPv6 forms are really IPv4 addresses. The databases
/// have no entries for private ranges, but an address that is not globally routable has no meaningful location even
/// where a database happens to cover it, so those are answered "unknown" before any lookup.
/// </summary>
internal static class IpAddressScope
{
    /// <summary>
    /// The address to look up: IPv4 as-is; IPv4-mapped (<c>::ffff:a.b.c.d</c>), NAT64 (<c>64:ff9b::a.b.c.d</c>) and
    /// 6to4 (<c>2002:AABB:CCDD::</c>) IPv6 addresses as the IPv4 address they carry; other IPv6 as-is. Null when the
    /// address is not a public unicast address (private, loopback, link-local, CGNAT, documentation, multicast, …).
    /// </summary>
    public static IPAddress? PublicAddress(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return IsPublicV4(V4Bits(address)) ? address : null;
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return null;

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out _)) return null;
        var high = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        var low = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);

        if (high == 0 && low >> 32 == 0xFFFF) return FromV4Bits((uint)low);                            // ::ffff:0:0/96
        if (high == 0x0064_FF9B_0000_0000UL && low >> 32 == 0) return FromV4Bits((uint)low);          // 64:ff9b::/96
        if (high >> 48 == 0x2002) return FromV4Bits((uint)(high >> 16));                               // 2002::/16
        return IsPublicV6(high, low) ? address : null;
    }

    private static IPAddress? FromV4Bits(uint bits) =>
        IsPublicV4(bits) ? new IPAddress(BinaryPrimitives.ReverseEndianness(bits)) : null;

    private static uint V4Bits(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    // IANA special-purpose registry (RFC 6890 and successors), IPv4 part.
    private static bool IsPublicV4(uint a) =>
        !(In(a, 0x00000000, 8)           // 0.0.0.0/8 "this network"
          || In(a, 0x0A000000, 8)        // 10.0.0.0/8 private
          || In(a, 0x64400000, 10)       // 100.64.0.0/10 carrier-grade NAT
          || In(a, 0x7F000000, 8)        // 127.0.0.0/8 loopback
          || In(a, 0xA9FE0000, 16)       // 169.254.0.0/16 link-local
          || In(a, 0xAC100000, 12)       // 172.16.0.0/12 private
          || In(a, 0xC0000000, 24)       // 192.0.0.0/24 protocol assignments
          || In(a, 0xC0000200, 24)       // 192.0.2.0/24 TEST-NET-1
          || In(a, 0xC0586300, 24)       // 192.88.99.0/24 6to4 relay anycast
          || In(a, 0xC0A80000, 16)       // 192.168.0.0/16 private
          || In(a, 0xC6120000, 15)       // 198.18.0.0/15 benchmarking
          || In(a, 0xC6336400, 24)       // 198.51.100.0/24 TEST-NET-2
          || In(a, 0xCB007100, 24)       // 203.0.113.0/24 TEST-NET-3
          || In(a, 0xE0000000, 4)        // 224.0.0.0/4 multicast
          || In(a, 0xF0000000, 4));      // 240.0.0.0/4 reserved, and the broadcast address

    private static bool In(uint address, uint network, int prefix) => (address >> (32 - prefix)) == (network >> (32 - prefix));

    // Only global unicast (2000::/3) has a location; inside it, the special-purpose blocks do not.
    private static bool IsPublicV6(ulong high, ulong low)
    {
        if (high >> 61 != 0b001) return false;                 // not 2000::/3: ::, ::1, fe80::/10, fc00::/7, ff00::/8, …
        if (high >> 32 == 0x2001_0DB8) return false;           // 2001:db8::/32 documentation
        if (high >> 44 == 0x3FFF0) return false;               // 3fff::/20 documentation (RFC 9637)
        if (high >> 41 == 0x2001_0000_0000_0000UL >> 41) return false; // 2001::/23 protocol assignments (Teredo, ORCHID, …)
        return high != 0 || low != 0;
    }
}
