using System.CommandLine;
using System.Text.Json;
using Portcullis.Gateway.Policies;
using Portcullis.Policy;
using Portcullis.Policy.Differences;
using Portcullis.Policy.Documents;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy diff A B</c> or <c>portcullis policy diff --config F --server ID --from N [--to M]</c>:
/// what the second policy decides differently from the first, tool by tool (not a text diff).
/// </summary>
internal static class PolicyDiffCommand
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Two policy files: the old one, then the new one.", Arity = new ArgumentArity(0, 2) };
        var configFile = new Option<string?>("--config") { Description = "Compare stored versions: the gateway configuration whose store holds them." };
        var server = new Option<string?>("--server") { Description = "With --config: the server whose versions to compare." };
        var from = new Option<int?>("--from") { Description = "With --config: the old version." };
        var to = new Option<int?>("--to") { Description = "With --config: the new version; default the one in force (the newest)." };
        var json = new Option<bool>("--json") { Description = "Print the changes as JSON." };
        var exitCode = new Option<bool>("--exit-code") { Description = "Exit 1 when the policies decide differently, 0 when they do not (like git diff --exit-code)." };
        var command = new Command("diff", "Show what a policy decides differently from another: per tool, newly denied, allowed or hidden, limits, approvals, conditions; not a text diff.")
        {
            files, configFile, server, from, to, json, exitCode,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            var paths = parseResult.GetValue(files) ?? [];
            var config = parseResult.GetValue(configFile);
            var versionOptions = parseResult.GetValue(server) is not null || parseResult.GetValue(from) is not null || parseResult.GetValue(to) is not null;
            if (config is null && paths.Length != 2)
            {
                error.WriteLine(versionOptions
                    ? "Give --config with --server and --from to compare stored versions."
                    : "Give two policy files (policy diff OLD NEW), or --config, --server and --from (and --to) to compare stored versions.");
                return ExitCodes.UsageOrIo;
            }

            if (config is not null && (paths.Length > 0 || parseResult.GetValue(server) is null || parseResult.GetValue(from) is null))
            {
                error.WriteLine(paths.Length > 0
                    ? "Compare either two files or two stored versions (--config), not both."
                    : "With --config, give --server and --from (and --to, default the version in force).");
                return ExitCodes.UsageOrIo;
            }

            Func<PolicyDiff, string, string, int> report = (diff, oldName, newName) =>
            {
                Write(output, diff, oldName, newName, parseResult.GetValue(json));
                return parseResult.GetValue(exitCode) && !diff.IsEmpty ? ExitCodes.Invalid : ExitCodes.Success;
            };
            if (config is null)
            {
                if (!PolicyFile.TryLoad(paths[0], error, out var before, out var code) | !PolicyFile.TryLoad(paths[1], error, out var after, out var code2))
                {
                    return Math.Max(code, code2);
                }

                return report(PolicyDiffer.Compare(before.Policy!.Document, after.Policy!.Document), paths[0], paths[1]);
            }

            var serverId = parseResult.GetValue(server)!;
            return await ConfigFile.WithStateAsync(config, error, "policy versions", async (gateway, state) =>
            {
                if (gateway.Servers.All(s => s.Id != serverId))
                {
                    error.WriteLine($"--server: no server has id '{serverId}'. Servers: {string.Join(", ", gateway.Servers.Select(s => s.Id))}.");
                    return ExitCodes.Invalid;
                }

                var versions = await state.Policies.ListAsync(serverId, cancellationToken);
                if (versions.Count == 0)
                {
                    error.WriteLine($"Server '{serverId}' has no stored policy versions yet.");
                    return ExitCodes.Invalid;
                }

                var range = $"versions 1 to {versions[0].Version}";
                var fromVersion = versions.FirstOrDefault(v => v.Version == parseResult.GetValue(from));
                var toVersion = parseResult.GetValue(to) is { } number ? versions.FirstOrDefault(v => v.Version == number) : versions[0];
                var missing = new[] { (Option: "--from", Found: fromVersion, Number: parseResult.GetValue(from)), (Option: "--to", Found: toVersion, Number: parseResult.GetValue(to)) }
                    .Where(v => v.Found is null).ToList();
                if (missing.Count > 0)
                {
                    foreach (var (option, _, n) in missing)
                    {
                        error.WriteLine($"{option}: server '{serverId}' has no version {n} (it has {range}).");
                    }

                    return ExitCodes.Invalid;
                }

                var documents = new List<PolicyDocument>();
                foreach (var version in new[] { fromVersion!, toVersion! })
                {
                    var parsed = PolicyParser.Parse(version.Text, PolicyFormats.Parse(version.Format));
                    if (!parsed.Succeeded)
                    {
                        ConfigFile.WriteProblems(error, $"version {version.Version} of server '{serverId}'", parsed.Errors);
                        return ExitCodes.Invalid;
                    }

                    documents.Add(parsed.Policy.Document);
                }

                return report(PolicyDiffer.Compare(documents[0], documents[1]), $"version {fromVersion!.Version}", $"version {toVersion!.Version}");
            }, cancellationToken);
        });
        return command;
    }

    private static void Write(TextWriter output, PolicyDiff diff, string oldName, string newName, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                from = oldName,
                to = newName,
                identical = diff.IsEmpty,
                changes = diff.Changes.Select(c => new { subject = c.Subject, kind = c.Kind, detail = c.Detail }),
            }, s_json));
            return;
        }

        if (diff.IsEmpty)
        {
            output.WriteLine($"{newName} decides every call as {oldName} does.");
            return;
        }

        output.WriteLine($"{newName} decides differently from {oldName}:");
        foreach (var subject in diff.Changes.GroupBy(c => c.Subject))
        {
            output.WriteLine();
            output.WriteLine(subject.Key);
            foreach (var change in subject)
            {
                output.WriteLine($"  {change.Detail}");
            }
        }
    }
}
