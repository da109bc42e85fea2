using Microsoft.Extensions.Time.Testing;

namespace Portcullis.Cli.Tests;

/// <summary>Runs the <c>portcullis</c> command in-process with captured output and a fixed clock.</summary>
internal static class CliRunner
{
    public static readonly DateTimeOffset Now = new(2026, 11, 25, 9, 30, 12, TimeSpan.Zero);

    /// <summary>The CLI from its own build output (where its dependency manifest matches the files beside it), for tests that run it as a process.</summary>
    public static string Assembly => Path.Combine(
        AppContext.BaseDirectory.Replace(Path.Combine("tests", "Portcullis.Cli.Tests"), Path.Combine("src", "Portcullis.Cli"), StringComparison.Ordinal),
        "portcullis.dll");

    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = PortcullisCommand.Run(args, new FakeTimeProvider(Now), output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

    /// <summary>The repository root, so tests run against the same files the README names.</summary>
    public static string RepositoryFile(string relativePath)
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        return Path.Combine(directory.FullName, relativePath);
    }

    public static string TempPolicy(string text, string extension = ".json")
    {
        var path = Path.Combine(Path.GetTempPath(), $"portcullis-{Guid.NewGuid():N}{extension}");
        File.WriteAllText(path, text);
        return path;
    }
}
