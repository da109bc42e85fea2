namespace Portcullis.Policy.Network;

/// <summary>What kind of network an IP address belongs to, as far as reaching it from the gateway goes.</summary>
public enum AddressKind
{
    /// <summary>A globally routable unicast address.</summary>
    Public,

    /// <summary><c>0.0.0.0/8</c> or <c>::</c>; connecting to it reaches the local host on many systems.</summary>
    Unspecified,

    /// <summary><c>127.0.0.0/8</c> or <c>::1</c>.</summary>
    Loopback,

    /// <summary>RFC 1918 (<c>10/8</c>, <c>172.16/12</c>, <c>192.168/16</c>), or IPv6 site-local <c>fec0::/10</c>.</summary>
    Private,

    /// <summary><c>169.254.0.0/16</c> (where cloud metadata services answer) or <c>fe80::/10</c>.</summary>
    LinkLocal,

    /// <summary><c>100.64.0.0/10</c>, carrier-grade NAT.</summary>
    SharedAddressSpace,

    /// <summary><c>fc00::/7</c>, IPv6 unique-local.</summary>
    UniqueLocal,

    /// <summary><c>224.0.0.0/4</c> or <c>ff00::/8</c>.</summary>
    Multicast,

    /// <summary>Reserved, documentation, benchmarking, broadcast or deprecated ranges, and IPv6 outside <c>2000::/3</c>.</summary>
    Reserved,
}
