using System.CommandLine;
using Portcullis.Policy;
using Portcullis.Policy.Formatting;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy fmt FILE... [--check | --stdout] [--drop-comments]</c>: rewrites policy
/// files in canonical form, in place and whole; <c>--check</c> only says which are not.
/// </summary>
internal static class PolicyFmtCommand
{
    public static Command Create()
    {
        var files = new Argument<string[]>("files") { Description = "Policy files (.json, .yaml or .yml).", Arity = ArgumentArity.OneOrMore };
        var check = new Option<bool>("--check") { Description = "Change nothing; exit 1 naming each file that is not in canonical form." };
        var stdout = new Option<bool>("--stdout") { Description = "Print the formatted policy instead of rewriting the file (one file only)." };
        var dropComments = new Option<bool>("--drop-comments") { Description = "Format YAML files even when comments below the opening comment block are lost." };
        var command = new Command("fmt", "Rewrite policy files in canonical form: keys in a fixed order, tools sorted, two-space indentation; YAML stays YAML, JSON stays JSON.")
        {
            files, check, stdout, dropComments,
        };
        command.SetAction(parseResult =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            var paths = parseResult.GetRequiredValue(files);
            var (checking, printing) = (parseResult.GetValue(check), parseResult.GetValue(stdout));
            if (checking && printing)
            {
                error.WriteLine("--check and --stdout do not go together: --check prints only the names of files to format.");
                return ExitCodes.UsageOrIo;
            }

            if (printing && paths.Length > 1)
            {
                error.WriteLine("--stdout prints one file; give one.");
                return ExitCodes.UsageOrIo;
            }

            var exitCode = ExitCodes.Success;
            foreach (var path in paths)
            {
                exitCode = Math.Max(exitCode, FormatFile(path, checking, printing, parseResult.GetValue(dropComments), output, error));
            }

            return exitCode;
        });
        return command;
    }

    private static int FormatFile(string path, bool check, bool print, bool dropComments, TextWriter output, TextWriter error)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read the file: {e.Message}");
            return ExitCodes.UsageOrIo;
        }

        var result = PolicyFormatter.Format(text, PolicyParser.FormatOf(path), dropComments);
        if (!result.Succeeded)
        {
            ConfigFile.WriteProblems(error, path, result.LostComment is { } comment
                ? [$"{comment}: The file has comments below its opening comment block, which formatting cannot keep in place. Move them into the comment block at the top of the file, which is kept, or run with --drop-comments."]
                : result.Errors.Select(e => e.ToString()).ToList());
            return ExitCodes.Invalid;
        }

        if (print)
        {
            output.Write(result.Text);
            return ExitCodes.Success;
        }

        if (result.Text == text)
        {
            return ExitCodes.Success;
        }

        if (check)
        {
            error.WriteLine($"{path}: not formatted (run: portcullis policy fmt {path})");
            return ExitCodes.Invalid;
        }

        try
        {
            AtomicFile.Write(path, result.Text);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot write the file: {e.Message}");
            return ExitCodes.UsageOrIo;
        }

        output.WriteLine($"{path}: formatted");
        return ExitCodes.Success;
    }
}
