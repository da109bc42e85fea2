using Portcullis.Policy;

namespace Portcullis.Cli.Policies;

/// <summary>Reads and parses a policy file, writing any problem to the error stream.</summary>
internal static class PolicyFile
{
    public static bool TryLoad(string path, TextWriter error, out PolicyParseResult result, out int exitCode)
    {
        result = null!;
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read the file: {e.Message}");
            exitCode = ExitCodes.UsageOrIo;
            return false;
        }

        result = PolicyParser.Parse(text, PolicyParser.FormatOf(path));
        if (!result.Succeeded)
        {
            ConfigFile.WriteProblems(error, path, result.Errors);

            exitCode = ExitCodes.Invalid;
            return false;
        }

        exitCode = ExitCodes.Success;
        return true;
    }
}
