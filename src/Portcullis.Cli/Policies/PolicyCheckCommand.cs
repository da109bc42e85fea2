using System.CommandLine;

namespace Portcullis.Cli.Policies;

/// <summary><c>portcullis policy check FILE...</c>: validates policy files, reporting every error with its path and line.</summary>
internal static class PolicyCheckCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Policy files (.json, .yaml or .yml).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check", "Validate policy files; exit 1 if any has errors.") { files };
        command.SetAction(parseResult =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var exitCode = ExitCodes.Success;
            foreach (var path in parseResult.GetRequiredValue(files))
            {
                if (PolicyFile.TryLoad(path, error, out var result, out var fileExitCode))
                {
                    var document = result.Policy!.Document;
                    output.WriteLine($"{path}: OK ({document.Tools.Count} tool rule(s), default {document.Default.ToString().ToLowerInvariant()}, {document.Mode.ToString().ToLowerInvariant()} mode)");
                }

                exitCode = Math.Max(exitCode, fileExitCode);
            }

            return exitCode;
        });
        return command;
    }
}
