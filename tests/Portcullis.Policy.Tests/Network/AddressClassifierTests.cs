using System.Net;
using Portcullis.Policy.Network;

namespace Portcullis.Policy.Tests.Network;

public sealed class AddressClassifierTests
{
    [Theory]
    // IPv4
    [InlineData("8.8.8.8", AddressKind.Public)]
    [InlineData("1.1.1.1", AddressKind.Public)]
    [InlineData("100.63.255.255", AddressKind.Public)]
    [InlineData("100.128.0.0", AddressKind.Public)]
    [InlineData("172.15.255.255", AddressKind.Public)]
    [InlineData("172.32.0.0", AddressKind.Public)]
    [InlineData("192.169.0.1", AddressKind.Public)]
    [InlineData("223.255.255.255", AddressKind.Public)]
    [InlineData("0.0.0.0", AddressKind.Unspecified)]
    [InlineData("0.1.2.3", AddressKind.Unspecified)]
    [InlineData("127.0.0.1", AddressKind.Loopback)]
    [InlineData("127.255.255.254", AddressKind.Loopback)]
    [InlineData("10.0.0.1", AddressKind.Private)]
    [InlineData("172.16.0.1", AddressKind.Private)]
    [InlineData("172.31.255.255", AddressKind.Private)]
    [InlineData("192.168.1.1", AddressKind.Private)]
    [InlineData("169.254.169.254", AddressKind.LinkLocal)]
    [InlineData("169.254.0.1", AddressKind.LinkLocal)]
    [InlineData("100.64.0.1", AddressKind.SharedAddressSpace)]
    [InlineData("100.127.255.255", AddressKind.SharedAddressSpace)]
    [InlineData("224.0.0.1", AddressKind.Multicast)]
    [InlineData("239.255.255.250", AddressKind.Multicast)]
    [InlineData("240.0.0.1", AddressKind.Reserved)]
    [InlineData("255.255.255.255", AddressKind.Reserved)]
    [InlineData("192.0.0.170", AddressKind.Reserved)]
    [InlineData("192.0.2.1", AddressKind.Reserved)]
    [InlineData("198.18.0.1", AddressKind.Reserved)]
    [InlineData("198.51.100.1", AddressKind.Reserved)]
    [InlineData("203.0.113.7", AddressKind.Reserved)]
    // IPv6
    [InlineData("2606:4700:4700::1111", AddressKind.Public)]
    [InlineData("2a00:1450:4001:80b::200e", AddressKind.Public)]
    [InlineData("::", AddressKind.Unspecified)]
    [InlineData("::1", AddressKind.Loopback)]
    [InlineData("::127.0.0.1", AddressKind.Reserved)]
    [InlineData("fe80::1", AddressKind.LinkLocal)]
    [InlineData("febf::1", AddressKind.LinkLocal)]
    [InlineData("fec0::1", AddressKind.Private)]
    [InlineData("fc00::1", AddressKind.UniqueLocal)]
    [InlineData("fd12:3456:789a::1", AddressKind.UniqueLocal)]
    [InlineData("ff02::1", AddressKind.Multicast)]
    [InlineData("::ffff:127.0.0.1", AddressKind.Loopback)]
    [InlineData("::ffff:10.1.2.3", AddressKind.Private)]
    [InlineData("::ffff:169.254.169.254", AddressKind.LinkLocal)]
    [InlineData("::ffff:8.8.8.8", AddressKind.Public)]
    [InlineData("64:ff9b::a9fe:a9fe", AddressKind.LinkLocal)]
    [InlineData("64:ff9b::808:808", AddressKind.Public)]
    [InlineData("64:ff9b:1::1", AddressKind.Private)]
    [InlineData("2002:7f00:1::1", AddressKind.Loopback)]
    [InlineData("2002:0808:0808::1", AddressKind.Public)]
    [InlineData("2001:db8::1", AddressKind.Reserved)]
    [InlineData("2001:0:4136:e378::1", AddressKind.Reserved)]
    [InlineData("100::1", AddressKind.Reserved)]
    [InlineData("4000::1", AddressKind.Reserved)]
    public void Classify_Address_IsItsKind(string address, AddressKind kind)
    {
        Assert.Equal(kind, AddressClassifier.Classify(IPAddress.Parse(address)));
        Assert.Equal(kind == AddressKind.Public, AddressClassifier.IsPublic(IPAddress.Parse(address)));
    }

    [Fact]
    public void Describe_EveryKind_HasWords()
    {
        foreach (var kind in Enum.GetValues<AddressKind>())
        {
            Assert.StartsWith("a", AddressClassifier.Describe(kind), StringComparison.Ordinal);
        }

        Assert.Equal("a link-local address", AddressClassifier.Describe(AddressKind.LinkLocal));
    }
}
