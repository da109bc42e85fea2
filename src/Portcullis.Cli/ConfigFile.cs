using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage;

namespace Portcullis.Cli;

/// <summary>Loading files for commands, with every problem written to the error stream in one format.</summary>
internal static class ConfigFile
{
    /// <summary>The validated configuration, or null after writing every problem.</summary>
    public static GatewayConfig? Load(string path, TextWriter error)
    {
        ConfiguredStores.InstallAddressChecks();
        var (config, errors) = ConfigLoader.LoadFile(path);
        if (config is null)
        {
            WriteProblems(error, path, errors);
        }

        return config;
    }

    /// <summary>The configuration's stores, or null after writing why they cannot be opened.</summary>
    public static async Task<StoreSet?> OpenStateAsync(GatewayConfig config, string path, TextWriter error, CancellationToken cancellationToken)
    {
        try
        {
#pragma warning disable RS0030 // Where commands compose their stores: these run on the system clock, as a gateway's do, whatever clock a command reads.
            return await ConfiguredStores.OpenAsync(config.Store, GatewayApp.SessionRetention(config), TimeProvider.System, cancellationToken);
#pragma warning restore RS0030
        }
        catch (StoreUnavailableException e)
        {
            error.WriteLine($"{path}: the store ({config.Store}) cannot be opened: {e.Message}");
            return null;
        }
    }

    /// <summary>
    /// Loads the configuration at <paramref name="path"/>, opens its stores and runs
    /// <paramref name="action"/>; writes every problem (invalid file, a memory store, which keeps
    /// nothing outside the gateway process — <paramref name="memoryLacks"/> says what —, an
    /// unreachable or failing store) to <paramref name="error"/> and returns the matching exit code.
    /// </summary>
    /// <remarks>
    /// A command that <paramref name="writesAudit"/> needs the audit checkpoint key when one is
    /// configured; nothing else of the configuration's secrets or policy files concerns it.
    /// </remarks>
    public static async Task<int> WithStateAsync(string path, TextWriter error, string memoryLacks, Func<GatewayConfig, StoreSet, Task<int>> action,
        CancellationToken cancellationToken, bool writesAudit = false)
    {
        var config = Load(path, error);
        if (config is null || (writesAudit && !CanWriteAudit(config, path, error)))
        {
            return ExitCodes.UsageOrIo;
        }

        if (config.Store == StoreConfig.Memory)
        {
            error.WriteLine($"{path}: the store is 'memory', which keeps {memoryLacks} only inside the gateway process; set \"store\": \"sqlite:portcullis.db\".");
            return ExitCodes.UsageOrIo;
        }

        await using var state = await OpenStateAsync(config, path, error, cancellationToken);
        if (state is null)
        {
            return ExitCodes.UsageOrIo;
        }

        try
        {
            return await action(config, state);
        }
        catch (StoreUnavailableException e)
        {
            error.WriteLine($"{path}: the store ({config.Store}) failed: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
    }

    /// <summary>False after saying why, when the audit key is configured from a variable this process lacks.</summary>
    public static bool CanWriteAudit(GatewayConfig config, string path, TextWriter error)
    {
        if (config.Audit.UnsetCheckpointKey is not { } unset)
        {
            return true;
        }

        WriteProblems(error, path, [$"{unset} This command writes audit records, whose checkpoints the key signs."]);
        return false;
    }

    /// <summary>Who runs this command, as audit records name them.</summary>
    public static string Actor => $"cli:{Environment.UserName}@{Environment.MachineName}";

    /// <summary>An audit log for this command's changes (its own chain), writing to the configuration's sinks; problems go to standard error.</summary>
    public static AuditLog OpenAuditLog(GatewayConfig config, StoreSet state) =>
#pragma warning disable RS0030 // Where commands compose their audit log: it runs on the system clock (its retries wait in real time), whatever clock a command reads.
        AuditSinks.OpenLog(config, state, "cli", TimeProvider.System, s_loggers);
#pragma warning restore RS0030

    private static readonly ILoggerFactory s_loggers = LoggerFactory.Create(logging => logging
        .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
        .SetMinimumLevel(LogLevel.Warning));

    /// <summary>Writes <c>PATH: N error(s)</c> and one indented line per problem.</summary>
    public static void WriteProblems<T>(TextWriter error, string path, IReadOnlyCollection<T> problems)
    {
        error.WriteLine($"{path}: {problems.Count} error(s)");
        foreach (var problem in problems)
        {
            error.WriteLine($"  {problem}");
        }
    }

    /// <summary>Reads <c>--since</c>: a duration back from now (30m, 1h, 7d) or a UTC time; false after saying why not.</summary>
    public static bool TryParseSince(string text, DateTimeOffset now, TextWriter error, out DateTimeOffset since)
    {
        if (AuditTime.ParseSince(text, now) is { } parsed)
        {
            since = parsed;
            return true;
        }

        error.WriteLine(AuditTime.SinceProblem("--since", text));
        since = default;
        return false;
    }

    /// <summary>Parses repeated <c>key=value</c> options; false after writing the first malformed one.</summary>
    public static bool TryParsePairs(IEnumerable<string> items, string option, TextWriter error, out Dictionary<string, string> pairs)
    {
        pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var equals = item.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error.WriteLine($"{option}: '{item}' is not key=value.");
                return false;
            }

            pairs[item[..equals]] = item[(equals + 1)..];
        }

        return true;
    }
}
