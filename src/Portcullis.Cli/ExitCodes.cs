namespace Portcullis.Cli;

/// <summary>Process exit codes shared by every command.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The input was read but is invalid (e.g. a policy with errors).</summary>
    public const int Invalid = 1;

    /// <summary>The input could not be read or an argument is malformed.</summary>
    public const int UsageOrIo = 2;
}
