namespace Portcullis.Gateway.Configuration;

/// <summary>A server's <c>instructions</c> setting: keep, drop, or replace them with <see cref="Text"/>.</summary>
/// <param name="Mode">What happens to the server's instructions.</param>
/// <param name="Text">The replacement, for <see cref="InstructionsMode.Replace"/>.</param>
internal sealed record UpstreamInstructions(InstructionsMode Mode, string? Text = null)
{
    /// <summary>Relay the server's instructions unchanged.</summary>
    public static UpstreamInstructions Keep { get; } = new(InstructionsMode.Keep);

    /// <summary>Remove the server's instructions.</summary>
    public static UpstreamInstructions Drop { get; } = new(InstructionsMode.Drop);
}
