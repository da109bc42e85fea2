namespace Portcullis.Cli;

/// <summary>Process exit codes shared by every command; docs/cli.md lists them for operators.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>
    /// The command ran and its answer is no: what it was given to check, change or find is
    /// invalid, missing or refused (a policy with errors, an unknown grant, server or approval,
    /// a duplicate name, a tampered audit log, a token that is no live grant).
    /// </summary>
    public const int Invalid = 1;

    /// <summary>
    /// The command could not do its work: bad usage (a missing, unknown or malformed argument), a
    /// configuration file that cannot be read or is invalid or unfit for the command, an
    /// environment variable that is not set, a file that cannot be read, a store that cannot be
    /// opened or fails.
    /// </summary>
    public const int UsageOrIo = 2;

    /// <summary>Stopped by Ctrl+C (SIGINT) before it finished, as shells report it; a stopped <c>serve</c> exits 0.</summary>
    public const int Interrupted = 130;
}
