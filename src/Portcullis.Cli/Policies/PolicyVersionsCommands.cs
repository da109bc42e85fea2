using System.CommandLine;
using System.Globalization;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Policies;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Validation;
using Portcullis.Storage;
using Portcullis.Storage.Policies;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy history|show|save|restore</c>: the stored versions of a server's policy.
/// Versions are immutable; saving and restoring add a version, which every running gateway on the
/// store applies within a second or so.
/// </summary>
internal static class PolicyVersionsCommands
{
    public static IEnumerable<Command> Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration file whose store holds the policies.", Required = true };
        var server = new Option<string>("--server") { Description = "The server whose policy it is.", Required = true };
        yield return History(configFile, server);
        yield return Show(configFile, server);
        yield return Save(configFile, server, timeProvider);
        yield return Restore(configFile, server, timeProvider);
    }

    private static Command History(Option<string> configFile, Option<string> server)
    {
        var command = new Command("history", "List the stored versions of a server's policy, newest (in force) first, and which one the policy file matches.")
        {
            configFile, server,
        };
        command.SetAction((parseResult, cancellationToken) => WithStoreAsync(parseResult, configFile, server, async (config, store, serverId, output, _) =>
        {
            var versions = await store.Policies.ListAsync(serverId, cancellationToken);
            var policyServer = config.Servers.Single(s => s.Id == serverId);
            var file = await PolicyFileState.ReadAsync(policyServer, versions, cancellationToken);
            output.WriteLine($"{"VERSION",-8} {"SAVED (UTC)",-20} {"SOURCE",-8} COMMENT");
            foreach (var version in versions)
            {
                var marks = new List<string>();
                if (version == versions[0])
                {
                    marks.Add("in force");
                }

                if (version == file.Match)
                {
                    marks.Add("matches the file");
                }

                var note = marks.Count == 0 ? "" : $" ({string.Join(", ", marks)})";
                output.WriteLine($"{version.Version,-8} {Format(version.CreatedAt),-20} {version.Source,-8} {version.Comment}{note}");
            }

            if (file.Explanation(versions.Count > 0 ? versions[0] : null) is { } explanation)
            {
                output.WriteLine();
                output.WriteLine(explanation);
            }

            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Show(Option<string> configFile, Option<string> server)
    {
        var version = new Option<int?>("--version") { Description = "The version to print; the one in force when omitted." };
        var command = new Command("show", "Print one stored version of a server's policy.") { configFile, server, version };
        command.SetAction((parseResult, cancellationToken) => WithStoreAsync(parseResult, configFile, server, async (config, store, serverId, output, error) =>
        {
            var number = parseResult.GetValue(version);
            var found = number is { } n
                ? await store.Policies.GetAsync(serverId, n, cancellationToken)
                : await store.Policies.LatestAsync(serverId, cancellationToken: cancellationToken);
            if (found is null)
            {
                error.WriteLine(number is null ? $"Server '{serverId}' has no stored policy yet." : $"--version: server '{serverId}' has no version {number}.");
                return ExitCodes.Invalid;
            }

            output.WriteLine(found.Text);
            return ExitCodes.Success;
        }, cancellationToken));
        return command;
    }

    private static Command Save(Option<string> configFile, Option<string> server, TimeProvider timeProvider)
    {
        var file = new Argument<string>("file") { Description = "The policy file to save (.json, .yaml or .yml)." };
        var comment = new Option<string?>("--comment") { Description = "Why it changed, kept with the version." };
        var command = new Command("save", "Validate a policy file and save it as the server's next version.") { configFile, server, file, comment };
        command.SetAction((parseResult, cancellationToken) => WithStoreAsync(parseResult, configFile, server, async (config, store, serverId, output, error) =>
        {
            var path = parseResult.GetRequiredValue(file);
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{path}: cannot read the file: {e.Message}");
                return ExitCodes.UsageOrIo;
            }

            var note = parseResult.GetValue(comment) ?? $"saved from {Path.GetFullPath(path)}";
            return await SaveAsync(config, store, new NewPolicyVersion(serverId, text, PolicyFormats.NameOfFile(path), "cli", note,
                timeProvider.GetUtcNow()), path, output, error, cancellationToken);
        }, cancellationToken, writesAudit: true));
        return command;
    }

    private static Command Restore(Option<string> configFile, Option<string> server, TimeProvider timeProvider)
    {
        var version = new Option<int>("--version") { Description = "The version to restore.", Required = true };
        var comment = new Option<string?>("--comment") { Description = "Why, kept with the new version." };
        var command = new Command("restore", "Save an older version again as the server's newest (the history is kept).") { configFile, server, version, comment };
        command.SetAction((parseResult, cancellationToken) => WithStoreAsync(parseResult, configFile, server, async (config, store, serverId, output, error) =>
        {
            var number = parseResult.GetRequiredValue(version);
            if (await store.Policies.GetAsync(serverId, number, cancellationToken) is not { } old)
            {
                error.WriteLine($"--version: server '{serverId}' has no version {number}.");
                return ExitCodes.Invalid;
            }

            var note = $"restored from version {number}" + (parseResult.GetValue(comment) is { } why ? ": " + why : "");
            return await SaveAsync(config, store, new NewPolicyVersion(serverId, old.Text, old.Format, "restore", note, timeProvider.GetUtcNow()),
                $"version {number}", output, error, cancellationToken);
        }, cancellationToken, writesAudit: true));
        return command;
    }

    private static async Task<int> SaveAsync(GatewayConfig config, StoreSet store, NewPolicyVersion policy, string origin, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var audit = ConfigFile.OpenAuditLog(config, store);
        await using var _ = audit;
        var result = await new PolicyPublisher(store.Policies, store.Changes, audit).SaveAsync(policy, ConfigFile.Actor, cancellationToken);
        if (result is not { Saved: { } saved, Policy: { } compiled })
        {
            ConfigFile.WriteProblems(error, origin, result.Errors);
            return ExitCodes.Invalid;
        }

        output.WriteLine($"Saved version {saved.Version} of the policy of server '{saved.ServerId}'; running gateways apply it within a few seconds.");
        await WarnAboutToolNamesAsync(store, saved.ServerId, compiled, error, cancellationToken);
        return ExitCodes.Success;
    }

    /// <summary>
    /// Warns (after saving: the policy is valid) about rules and hides naming no tool the server is
    /// known to list, when the gateway has seen its tools (they are pinned).
    /// </summary>
    private static async Task WarnAboutToolNamesAsync(StoreSet store, string serverId, CompiledPolicy policy, TextWriter error, CancellationToken cancellationToken)
    {
        var tools = await PinnedToolNames.From(store.Pins)(serverId, cancellationToken);
        if (tools.Count == 0)
        {
            return;
        }

        foreach (var warning in ToolNameWarnings.Check(policy.Document, tools))
        {
            error.WriteLine($"warning: {warning}");
        }
    }

    private static Task<int> WithStoreAsync(ParseResult parseResult, Option<string> configFile, Option<string> server,
        Func<GatewayConfig, StoreSet, string, TextWriter, TextWriter, Task<int>> action, CancellationToken cancellationToken, bool writesAudit = false)
    {
        var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
        var serverId = parseResult.GetRequiredValue(server);
        return ConfigFile.WithStateAsync(parseResult.GetRequiredValue(configFile), error, "policy versions", async (config, state) =>
        {
            if (config.Servers.All(s => s.Id != serverId))
            {
                error.WriteLine($"--server: no server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
                return ExitCodes.Invalid;
            }

            return await action(config, state, serverId, output, error);
        }, cancellationToken, writesAudit);
    }

    private static string Format(DateTimeOffset value) => value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
