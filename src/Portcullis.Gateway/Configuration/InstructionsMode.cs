namespace Portcullis.Gateway.Configuration;

/// <summary>What the gateway does with the <c>instructions</c> of a server's <c>initialize</c> answer.</summary>
internal enum InstructionsMode
{
    /// <summary>Relayed unchanged (the default).</summary>
    Keep,

    /// <summary>Removed from the answer.</summary>
    Drop,

    /// <summary>Replaced by the text of the configuration (added when the server sent none).</summary>
    Replace,
}
