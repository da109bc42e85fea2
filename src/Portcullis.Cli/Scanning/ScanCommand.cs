using System.CommandLine;
using Portcullis.Policy.Parsing;

namespace Portcullis.Cli.Scanning;

/// <summary>
/// <c>portcullis scan</c>: reads a server's tools, classifies each by risk, shows them riskiest
/// first, and can write the policy recommended for them.
/// </summary>
internal static class ScanCommand
{
    public static Command Create()
    {
        var source = new ScanSource();
        var json = new Option<bool>("--json") { Description = "Print one JSON object: the server and every tool's verdict, signals, rationale and recommended rule." };
        var explain = new Option<string?>("--explain") { Description = "Show one tool's rationale and every signal." };
        var policy = new Option<string?>("--policy") { Description = "Write the recommended policy to this file (.yaml, .yml or .json)." };
        var force = new Option<bool>("--force") { Description = "With --policy: replace the file if it exists." };
        var command = new Command("scan", "Classify a server's tools by risk and recommend a policy for them.");
        foreach (var symbol in source.Symbols.Append(json).Append(explain).Append(policy).Append(force))
        {
            switch (symbol)
            {
                case Option option:
                    command.Options.Add(option);
                    break;
                case Argument argument:
                    command.Arguments.Add(argument);
                    break;
            }
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var policyPath = parseResult.GetValue(policy);
            var overwrite = parseResult.GetValue(force);
            if (policyPath is not null && !CheckPolicyPath(policyPath, overwrite, error))
            {
                return ExitCodes.UsageOrIo;
            }

            var (input, exitCode) = await source.ReadAsync(parseResult, error, cancellationToken);
            if (input is null)
            {
                return exitCode;
            }

            var result = ScanResult.Of(input);
            foreach (var name in result.UnmatchedOverrides)
            {
                error.WriteLine($"warning: risk_overrides names '{name}', which the server does not list.");
            }

            var explained = parseResult.GetValue(explain);
            var tool = explained is null ? null : result.Tools.FirstOrDefault(t => t.Tool == explained);
            if (explained is not null && tool is null)
            {
                var near = Suggestions.Near(explained, result.Tools.Select(t => t.Tool));
                error.WriteLine(near.Count > 0
                    ? $"--explain: the server lists no tool '{explained}'. Did you mean: {string.Join(", ", near.Select(ScanText.Printable))}?"
                    : $"--explain: the server lists no tool '{explained}' nor one named like it; it lists {result.Tools.Length} tool(s), shown by scan without --explain.");
                return ExitCodes.Invalid;
            }

            if (policyPath is not null)
            {
                var text = IsJson(policyPath) ? result.PolicyJson() : result.PolicyYaml();
                if (!PolicyOutputFile.TryWrite(policyPath, text, overwrite, error))
                {
                    return ExitCodes.UsageOrIo;
                }
            }

            var asJson = parseResult.GetValue(json);
            if (tool is not null)
            {
                if (asJson)
                {
                    ScanText.WriteJson(output, result, tool);
                }
                else
                {
                    ScanText.WriteExplanation(output, result, tool);
                }
            }
            else if (asJson)
            {
                ScanText.WriteJson(output, result);
            }
            else
            {
                ScanText.WriteTable(output, result);
            }

            if (policyPath is not null && !asJson)
            {
                output.WriteLine($"Wrote the recommended policy to {policyPath} ({result.Tools.Length} tool rule(s), default deny).");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Refuses, before anything is read, a policy file of an unknown kind or one that exists without --force.</summary>
    private static bool CheckPolicyPath(string path, bool overwrite, TextWriter error)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".json" or ".yaml" or ".yml"))
        {
            error.WriteLine($"--policy: '{path}' must end in .yaml, .yml or .json, which says the format to write.");
            return false;
        }

        if (!overwrite && (File.Exists(path) || Directory.Exists(path)))
        {
            error.WriteLine($"--policy: {path} exists; nothing was scanned or written. Add --force to replace it.");
            return false;
        }

        return true;
    }

    private static bool IsJson(string path) => Path.GetExtension(path).Equals(".json", StringComparison.OrdinalIgnoreCase);
}
