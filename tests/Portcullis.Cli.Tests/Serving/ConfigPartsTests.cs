namespace Portcullis.Cli.Tests.Serving;

/// <summary>
/// Commands load only what they use of the configuration: an invalid policy file concerns serving,
/// and an <c>env:</c> secret the part that holds it — so an operator can still revoke a grant,
/// decide approvals and restore a policy in an incident.
/// </summary>
public sealed class ConfigPartsTests : IDisposable
{
    private const string Valid = """{"version": "1", "default": "deny", "tools": {"code_generate": {"limits": [{"counter": "cg", "window": "minute", "max": 10}]}}}""";
    private const string MaxZero = """{"version": "1", "default": "deny", "tools": {"code_generate": {"limits": [{"counter": "cg", "window": "minute", "max": 0}]}}}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-parts-").FullName;
    private readonly string _config;
    private readonly string _policy;

    public ConfigPartsTests()
    {
        _policy = Path.Combine(_directory, "codex.json");
        File.WriteAllText(_policy, Valid);
        _config = Path.Combine(_directory, "portcullis.json");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void AnInvalidPolicyFile_LocksOutNoIncidentCommand_OnlyServing()
    {
        WriteConfig("");
        Assert.Equal(0, Run("policy", "save", "--server", "codex", _policy).ExitCode);
        File.WriteAllText(_policy, MaxZero);

        var created = Run("grants", "create", "--name", "ci", "--server", "codex");
        Assert.Equal(0, created.ExitCode);
        Assert.Equal(0, Run("grants", "list").ExitCode);
        Assert.Equal(0, Run("grants", "rotate", "ci").ExitCode);
        Assert.Equal(0, Run("grants", "revoke", "ci").ExitCode);
        Assert.Equal(0, Run("approvals", "list").ExitCode);
        Assert.Equal(0, Run("audit", "query").ExitCode);
        Assert.Equal(0, Run("audit", "verify").ExitCode);
        Assert.Equal(0, Run("policy", "history", "--server", "codex").ExitCode);
        Assert.Equal(0, Run("policy", "show", "--server", "codex").ExitCode);
        Assert.Equal(0, Run("policy", "restore", "--server", "codex", "--version", "1").ExitCode);

        var serve = Run("serve");
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("/servers/0/policy", serve.Error, StringComparison.Ordinal);
        Assert.Contains("'max'", serve.Error, StringComparison.Ordinal);
        Assert.Contains("--if-policy-invalid use-stored", serve.Error, StringComparison.Ordinal);
        Assert.Equal(1, CliRunner.Run("policy", "check", _policy).ExitCode);
    }

    [Fact]
    public void SecretsAreNeededOnlyByThePartThatUsesThem()
    {
        WriteConfig("""
            "admins": [{"name": "ops", "token": "env:PORTCULLIS_TEST_UNSET_ADMIN"}],
            "grants": [{"name": "file-grant", "servers": ["codex"], "token": "env:PORTCULLIS_TEST_UNSET_GRANT"}],
            """, headers: """, "headers": {"Authorization": "env:PORTCULLIS_TEST_UNSET_HEADER"}""");

        Assert.Equal(0, Run("grants", "create", "--name", "ci", "--server", "codex").ExitCode);
        Assert.Equal(0, Run("grants", "list").ExitCode);
        Assert.Equal(0, Run("approvals", "list").ExitCode);
        Assert.Equal(0, Run("policy", "save", "--server", "codex", _policy).ExitCode);

        var serve = Run("serve");
        Assert.Equal(2, serve.ExitCode);
        Assert.Contains("/admins/0/token (line 3, column 39): Environment variable 'PORTCULLIS_TEST_UNSET_ADMIN' is not set.", serve.Error, StringComparison.Ordinal);
        Assert.Contains("/grants/0/token (line 4, column 66): Environment variable 'PORTCULLIS_TEST_UNSET_GRANT' is not set.", serve.Error, StringComparison.Ordinal);
        Assert.Contains("/servers/0/headers/Authorization (line 5, column 117): Environment variable 'PORTCULLIS_TEST_UNSET_HEADER' is not set.", serve.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnsetAuditKey_StopsOnlyCommandsThatWriteOrVerifyRecords()
    {
        WriteConfig("""
            "audit": {"checkpoint_key": "env:PORTCULLIS_TEST_UNSET_AUDIT_KEY"},
            """);

        var create = Run("grants", "create", "--name", "ci", "--server", "codex");
        var verify = Run("audit", "verify");

        Assert.Equal(2, create.ExitCode);
        Assert.Contains("/audit/checkpoint_key (line 3, column 31): Environment variable 'PORTCULLIS_TEST_UNSET_AUDIT_KEY' is not set.", create.Error, StringComparison.Ordinal);
        Assert.Contains("writes audit records", create.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("ci", Run("grants", "list").Output, StringComparison.Ordinal);
        Assert.Equal(2, verify.ExitCode);
        Assert.Contains("--key", verify.Error, StringComparison.Ordinal);
        Assert.Equal(0, Run("audit", "query").ExitCode);
        Assert.Equal(2, Run("policy", "save", "--server", "codex", _policy).ExitCode);
        Assert.Equal(0, Run("policy", "history", "--server", "codex").ExitCode);
    }

    [Fact]
    public void AMisspeltKey_IsReportedWithItsLineAndColumn_AndTheKeyMeant()
    {
        WriteConfig("""
            "fail_mod": "open",
            """);

        var list = Run("grants", "list");

        Assert.Equal(2, list.ExitCode);
        Assert.Contains($"{_config}: 1 error(s)", list.Error, StringComparison.Ordinal);
        Assert.Contains("  /fail_mod (line 3, column 3): Unknown key 'fail_mod'. Did you mean 'fail_mode'? Expected one of: listen, store, fail_mode,",
            list.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void IfPolicyInvalid_RejectsAnUnknownValue()
    {
        WriteConfig("");

        var result = Run("serve", "--if-policy-invalid", "ignore");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("'ignore' is not 'refuse' or 'use-stored'", result.Error, StringComparison.Ordinal);
    }

    private (int ExitCode, string Output, string Error) Run(params string[] args) => CliRunner.Run([.. args, "--config", _config]);

    private void WriteConfig(string rootMembers, string headers = "") => File.WriteAllText(_config, $$"""
        {
          "store": "sqlite:state.db",
          {{rootMembers}}
          "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"{{headers}}}]
        }
        """);
}
