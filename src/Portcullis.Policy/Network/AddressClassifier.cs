using System.Net;
using System.Net.Sockets;

namespace Portcullis.Policy.Network;

/// <summary>
/// Tells public addresses from those of the gateway's own host and networks, for targets the
/// gateway connects to on a policy's say-so (approval webhooks). IPv6 forms that carry an IPv4
/// address (<c>::ffff:a.b.c.d</c>, NAT64 <c>64:ff9b::/96</c>, 6to4 <c>2002::/16</c>) are judged by
/// that address.
/// </summary>
public static class AddressClassifier
{
    /// <summary>The kind of <paramref name="address"/>.</summary>
    public static AddressKind Classify(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => ClassifyV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => ClassifyV6(address.GetAddressBytes()),
            _ => AddressKind.Reserved,
        };
    }

    /// <summary>Whether <paramref name="address"/> is a public address.</summary>
    public static bool IsPublic(IPAddress address) => Classify(address) == AddressKind.Public;

    /// <summary>The kind in words, for messages: "a loopback address".</summary>
    public static string Describe(AddressKind kind) => kind switch
    {
        AddressKind.Public => "a public address",
        AddressKind.Unspecified => "an unspecified address",
        AddressKind.Loopback => "a loopback address",
        AddressKind.Private => "a private address",
        AddressKind.LinkLocal => "a link-local address",
        AddressKind.SharedAddressSpace => "a carrier-grade NAT address",
        AddressKind.UniqueLocal => "a unique-local address",
        AddressKind.Multicast => "a multicast address",
        _ => "a reserved address",
    };

    private static AddressKind ClassifyV4(ReadOnlySpan<byte> a) => (a[0], a[1], a[2]) switch
    {
        (0, _, _) => AddressKind.Unspecified,
        (10, _, _) => AddressKind.Private,
        (100, >= 64 and <= 127, _) => AddressKind.SharedAddressSpace,
        (127, _, _) => AddressKind.Loopback,
        (169, 254, _) => AddressKind.LinkLocal,
        (172, >= 16 and <= 31, _) => AddressKind.Private,
        (192, 0, 0) or (192, 0, 2) or (192, 88, 99) => AddressKind.Reserved,
        (192, 168, _) => AddressKind.Private,
        (198, 18 or 19, _) or (198, 51, 100) or (203, 0, 113) => AddressKind.Reserved,
        ( >= 224 and <= 239, _, _) => AddressKind.Multicast,
        ( >= 240, _, _) => AddressKind.Reserved,
        _ => AddressKind.Public,
    };

    private static AddressKind ClassifyV6(ReadOnlySpan<byte> a)
    {
        if (a[..15].IndexOfAnyExcept((byte)0) < 0)
        {
            return a[15] switch
            {
                0 => AddressKind.Unspecified,
                1 => AddressKind.Loopback,
                _ => AddressKind.Reserved, // IPv4-compatible, deprecated
            };
        }

        // ::ffff:a.b.c.d (mapped) and 64:ff9b::a.b.c.d (NAT64) reach the IPv4 address they carry.
        if (a[..10].IndexOfAnyExcept((byte)0) < 0 && a[10] == 0xff && a[11] == 0xff)
        {
            return ClassifyV4(a[12..]);
        }

        if (a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xff && a[3] == 0x9b)
        {
            return a[4..12].IndexOfAnyExcept((byte)0) < 0 ? ClassifyV4(a[12..]) : AddressKind.Private; // 64:ff9b:1::/48 is local-use
        }

        if (a[0] == 0x20 && a[1] == 0x02)
        {
            return ClassifyV4(a[2..6]); // 6to4
        }

        if (a[0] == 0xff)
        {
            return AddressKind.Multicast;
        }

        if ((a[0] & 0xfe) == 0xfc)
        {
            return AddressKind.UniqueLocal;
        }

        if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        {
            return AddressKind.LinkLocal;
        }

        if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        {
            return AddressKind.Private; // site-local, deprecated
        }

        // 2001::/32 Teredo and 2001:db8::/32 documentation; anything outside 2000::/3 is not global unicast.
        if ((a[0] == 0x20 && a[1] == 0x01 && ((a[2] == 0x00 && a[3] == 0x00) || (a[2] == 0x0d && a[3] == 0xb8))) || (a[0] & 0xe0) != 0x20)
        {
            return AddressKind.Reserved;
        }

        return AddressKind.Public;
    }
}
