namespace Portcullis.Gateway.Configuration;

/// <summary>How the gateway pins a server's tool definitions (see docs/security.md, "Pinning tool definitions").</summary>
internal enum PinningMode
{
    /// <summary>Trust on first use (the default): a tool's definition is pinned the first time it is seen; a later change quarantines the tool.</summary>
    Tofu,

    /// <summary>Like <see cref="Tofu"/>, but a tool seen for the first time is quarantined too, until an operator approves it.</summary>
    Strict,

    /// <summary>No pinning: definitions are neither recorded nor checked.</summary>
    Off,
}
