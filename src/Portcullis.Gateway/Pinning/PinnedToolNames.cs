using Portcullis.Storage.Pins;

namespace Portcullis.Gateway.Pinning;

/// <summary>The tools a server is known to list: those the gateway has pinned for it (every tool it has seen, in any mode but <c>off</c>).</summary>
internal static class PinnedToolNames
{
    /// <summary>Reads a server's pinned tool names from <paramref name="pins"/>; empty while none were seen.</summary>
    public static Func<string, CancellationToken, ValueTask<IReadOnlyCollection<string>>> From(IToolPinStore pins)
    {
        ArgumentNullException.ThrowIfNull(pins);
        return async (serverId, cancellationToken) => [.. (await pins.ListAsync(serverId, cancellationToken).ConfigureAwait(false)).Select(pin => pin.Tool)];
    }
}
