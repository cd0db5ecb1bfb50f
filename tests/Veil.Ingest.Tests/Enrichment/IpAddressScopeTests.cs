using System.Net;
using Veil.Ingest.Enrichment;

namespace Veil.Ingest.Tests.Enrichment;

public sealed class IpAddressScopeTests
{
    [Theory]
    [InlineData("8.8.8.8", "8.8.8.8")]
    [InlineData("::ffff:8.8.8.8", "8.8.8.8")]
    [InlineData("64:ff9b::1.1.1.1", "1.1.1.1")]
    [InlineData("2002:0808:0808::1", "8.8.8.8")]
    [InlineData("2a00:1450:4001:80b::200e", "2a00:1450:4001:80b::200e")]
    [InlineData("172.15.255.255", "172.15.255.255")]
    [InlineData("172.32.0.0", "172.32.0.0")]
    [InlineData("100.128.0.1", "100.128.0.1")]
    public void Public_addresses_are_looked_up_as_IPv4_where_they_carry_one(string input, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), IpAddressScope.PublicAddress(IPAddress.Parse(input)));
    }

    [Theory]
    [InlineData("10.0.0.0")]
    [InlineData("10.255.255.255")]
    [InlineData("100.64.0.0")]
    [InlineData("100.127.255.255")]
    [InlineData("172.16.0.0")]
    [InlineData("172.31.255.255")]
    [InlineData("192.168.255.255")]
    [InlineData("198.18.0.1")]
    [InlineData("198.19.255.255")]
    [InlineData("240.0.0.1")]
    [InlineData("::ffff:10.0.0.1")]
    [InlineData("64:ff9b::a00:1")]
    [InlineData("2002:0a00:0001::1")]
    [InlineData("2001::1")]
    [InlineData("2001:db8:ffff::1")]
    [InlineData("3fff::1")]
    [InlineData("fc00::1")]
    [InlineData("fec0::1")]
    public void Non_public_addresses_have_no_lookup(string input)
    {
        Assert.Null(IpAddressScope.PublicAddress(IPAddress.Parse(input)));
    }
}
