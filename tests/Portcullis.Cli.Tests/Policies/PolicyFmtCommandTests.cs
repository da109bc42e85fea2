namespace Portcullis.Cli.Tests.Policies;

/// <summary><c>portcullis policy fmt</c>: in place, to standard output, and as a check for CI.</summary>
public sealed class PolicyFmtCommandTests : IDisposable
{
    private const string Unformatted = "tools:\n  b: { reason: No., action: deny }\n  a: {}\nversion: \"1\"\n";
    private const string Formatted = "version: \"1\"\ntools:\n  a: {}\n  b: {action: deny, reason: No.}\n";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-fmt-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Fmt_RewritesInPlace_KeepingThePermissions_AndThenChecksClean()
    {
        var path = Write("policy.yaml", Unformatted);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var result = CliRunner.Run("policy", "fmt", path);
        var check = CliRunner.Run("policy", "fmt", "--check", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{path}: formatted\n", result.Output.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal(Formatted, File.ReadAllText(path));
        Assert.Equal((0, "", ""), (check.ExitCode, check.Output, check.Error));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
    }

    [Fact]
    public void Fmt_Check_NamesTheFilesToFormat_ChangesNothing_AndExits1()
    {
        var messy = Write("messy.yaml", Unformatted);
        var clean = Write("clean.yaml", Formatted);

        var result = CliRunner.Run("policy", "fmt", "--check", messy, clean);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"{messy}: not formatted (run: portcullis policy fmt {messy})\n", result.Error.Replace("\r\n", "\n", StringComparison.Ordinal));
        Assert.Equal("", result.Output);
        Assert.Equal(Unformatted, File.ReadAllText(messy));
    }

    [Fact]
    public void Fmt_Stdout_PrintsWithoutWriting_AndJsonStaysJson()
    {
        var path = Write("policy.json", """{"tools": {"a": {}}, "version": "1"}""");

        var result = CliRunner.Run("policy", "fmt", "--stdout", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("{\n  \"version\": \"1\",\n  \"tools\": {\n    \"a\": {}\n  }\n}\n", result.Output);
        Assert.Equal("""{"tools": {"a": {}}, "version": "1"}""", File.ReadAllText(path));
    }

    [Fact]
    public void Fmt_CommentsBelowTheHeader_AreRefused_UnlessDropped()
    {
        var text = "# kept\nversion: \"1\"\ntools:\n  a: {} # lost\n";
        var path = Write("commented.yaml", text);

        var refused = CliRunner.Run("policy", "fmt", path);
        var dropped = CliRunner.Run("policy", "fmt", "--drop-comments", path);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("line 4", refused.Error, StringComparison.Ordinal);
        Assert.Contains("run with --drop-comments", refused.Error, StringComparison.Ordinal);
        Assert.Equal(0, dropped.ExitCode);
        Assert.Equal("# kept\nversion: \"1\"\ntools:\n  a: {}\n", File.ReadAllText(path));
    }

    [Fact]
    public void Fmt_AnInvalidPolicy_Exits1_AndIsLeftAlone()
    {
        var path = Write("bad.yaml", "version: \"1\"\ndefault: maybe\n");

        var result = CliRunner.Run("policy", "fmt", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/default (line 2, column 10): 'maybe' is not a valid value.", result.Error, StringComparison.Ordinal);
        Assert.Equal("version: \"1\"\ndefault: maybe\n", File.ReadAllText(path));
    }

    [Theory]
    [InlineData("policy fmt --check --stdout {dir}/a.yaml", "--check and --stdout do not go together")]
    [InlineData("policy fmt --stdout {dir}/a.yaml {dir}/a.yaml", "--stdout prints one file")]
    [InlineData("policy fmt {dir}/missing.yaml", "missing.yaml: cannot read the file")]
    public void Fmt_BadUsage_Exits2(string commandLine, string message)
    {
        Write("a.yaml", Formatted);

        var result = CliRunner.Run(commandLine.Replace("{dir}", _directory, StringComparison.Ordinal).Split(' '));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.Error, StringComparison.Ordinal);
    }

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
