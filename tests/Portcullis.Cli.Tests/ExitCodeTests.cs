namespace Portcullis.Cli.Tests;

/// <summary>
/// The exit codes of docs/cli.md, command by command: 1 when the command ran and its answer is no
/// (invalid, unknown, duplicate, tampered, refused), 2 when it could not run (usage, configuration
/// file, environment, unreadable file), 3 for a torn audit tail only.
/// </summary>
public sealed class ExitCodeTests : IDisposable
{
    private const string Token = "exit-code-test-token-0123456789abcdef";
    private const string UnsetVariable = "PORTCULLIS_TEST_NEVER_SET";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-exit-").FullName;

    public ExitCodeTests()
    {
        Write("codex.json", """{"version": "1", "default": "deny"}""");
        Write("invalid-policy.json", """{"version": "1", "default": "deny", "tools": {"x": {"limits": [{"counter": "c", "window": "minute", "max": 0}]}}}""");
        Write("portcullis.json", $$"""
            {"store": "sqlite:state.db", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"}],
             "grants": [{"name": "desktop", "servers": ["codex"], "token": "{{Token}}"}]}
            """);
        Write("memory.json", """{"store": "memory", "servers": [{"id": "codex", "url": "http://127.0.0.1:9/mcp", "policy": "codex.json"}]}""");
        Write("invalid-config.json", """{"servers": [{"id": "codex", "url": "not a url", "policy": "codex.json"}]}""");
        Write("tampered.jsonl", "not a record\nnot a record either\n");
        Write("torn.jsonl", "{\"time\":");
        Write("cases.yaml", "policy: codex.json\ncases: [{ tool: review_code, expect: deny }]\n");
        Write("failing-cases.yaml", "policy: codex.json\ncases: [{ tool: review_code, expect: allow }]\n");
        Write("typo-cases.yaml", "policy: codex.json\ncases: [{ tool: review_code, expct: deny }]\n");
        Write("unformatted.json", """{"default": "deny", "version": "1"}""");
        Assert.Equal(0, Run("grants create --config {config} --name existing --server codex").ExitCode);
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Theory]
    // Usage: an unknown command, a missing required option, a value the parser refuses.
    [InlineData("frobnicate", 2)]
    [InlineData("grants create --config {config} --server codex", 2)]
    [InlineData("policy restore --config {config} --server codex --version latest", 2)]
    // serve
    [InlineData("serve", 2)]
    [InlineData("serve --demo --listen ftp://127.0.0.1", 2)]
    [InlineData("serve --config {dir}/missing.json", 2)]
    [InlineData("serve --config {dir}/invalid-config.json", 2)]
    // stdio
    [InlineData("stdio --config {dir}/invalid-config.json --server codex --token-env PATH", 2)]
    [InlineData("stdio --config {config} --server codex --token-env " + UnsetVariable, 2)]
    // grants
    [InlineData("grants create --config {config} --name x --server nosuch", 1)]
    [InlineData("grants create --config {config} --name existing --server codex", 1)]
    [InlineData("grants create --config {config} --name desktop --server codex", 1)]
    [InlineData("grants create --config {config} --name x --server codex --expires soon", 2)]
    [InlineData("grants create --config {config} --name x --server codex --label novalue", 2)]
    [InlineData("grants create --config {dir}/memory.json --name x --server codex", 2)]
    [InlineData("grants list --config {dir}/missing.json", 2)]
    [InlineData("grants rotate --config {config} nosuch", 1)]
    [InlineData("grants revoke --config {config} nosuch", 1)]
    [InlineData("grants revoke --config {dir}/invalid-config.json existing", 2)]
    // policy
    [InlineData("policy check {dir}/invalid-policy.json", 1)]
    [InlineData("policy check {dir}/missing.json", 2)]
    [InlineData("policy check {dir}/invalid-policy.json {dir}/missing.json", 2)]
    [InlineData("policy explain {dir}/invalid-policy.json x", 1)]
    [InlineData("policy explain {dir}/codex.json x not-json", 2)]
    [InlineData("policy history --config {config} --server nosuch", 1)]
    [InlineData("policy show --config {config} --server codex --version 9", 1)]
    [InlineData("policy save --config {config} --server codex {dir}/invalid-policy.json", 1)]
    [InlineData("policy save --config {config} --server codex {dir}/missing.json", 2)]
    [InlineData("policy restore --config {config} --server codex --version 9", 1)]
    [InlineData("policy history --config {dir}/memory.json --server codex", 2)]
    [InlineData("policy test {dir}/failing-cases.yaml", 1)]
    [InlineData("policy test {dir}/typo-cases.yaml", 1)]
    [InlineData("policy test {dir}/cases.yaml --policy {dir}/invalid-policy.json", 1)]
    [InlineData("policy test {dir}/missing.yaml", 2)]
    [InlineData("policy test {dir}/cases.yaml --policy {dir}/missing.json", 2)]
    [InlineData("policy diff {dir}/codex.json {dir}/invalid-policy.json", 1)]
    [InlineData("policy diff --config {config} --server codex --from 9", 1)]
    [InlineData("policy diff {dir}/codex.json", 2)]
    [InlineData("policy diff --config {dir}/memory.json --server codex --from 1", 2)]
    [InlineData("policy fmt --check {dir}/unformatted.json", 1)]
    [InlineData("policy fmt {dir}/invalid-policy.json", 1)]
    [InlineData("policy fmt {dir}/missing.json", 2)]
    [InlineData("policy shadow-report --config {config} --server nosuch", 1)]
    [InlineData("policy shadow-report --config {config} --server codex --since whenever", 2)]
    [InlineData("policy shadow-report --config {dir}/memory.json --server codex", 2)]
    [InlineData("policy shadow-report --config {config} --server codex --examples -1", 2)]
    // audit (verify keeps docs/audit.md's table: 1 tampered, 2 nothing verified, 3 torn tail only)
    [InlineData("audit verify --file {dir}/tampered.jsonl", 1)]
    [InlineData("audit verify --file {dir}/torn.jsonl", 3)]
    [InlineData("audit verify --file {dir}/missing.jsonl", 2)]
    [InlineData("audit verify", 2)]
    [InlineData("audit verify --config {config} --key-env " + UnsetVariable, 2)]
    [InlineData("audit verify --config {dir}/invalid-config.json", 2)]
    [InlineData("audit query --config {config} --since yesterday-ish", 2)]
    [InlineData("audit export --config {dir}/memory.json", 2)]
    [InlineData("audit export --config {config} --format xml", 2)]
    [InlineData("audit replay --config {config} --policy {dir}/codex.json --server nosuch", 1)]
    [InlineData("audit replay --config {config} --policy {dir}/invalid-policy.json", 1)]
    [InlineData("audit replay --config {config} --policy {dir}/missing.json", 2)]
    [InlineData("audit replay --config {config} --policy {dir}/codex.json --since whenever", 2)]
    [InlineData("audit replay --config {dir}/memory.json --policy {dir}/codex.json", 2)]
    // approvals
    [InlineData("approvals show --config {config} apr_nosuch", 1)]
    [InlineData("approvals approve --config {config} apr_nosuch", 1)]
    [InlineData("approvals deny --config {config} apr_nosuch", 1)]
    [InlineData("approvals list --config {dir}/invalid-config.json", 2)]
    // scan (unreachable servers, refused initialize and endless tool lists: ScanCommandTests)
    [InlineData("scan", 2)]
    [InlineData("scan --file {dir}/missing.json", 2)]
    [InlineData("scan --file {dir}/tampered.jsonl", 2)]
    [InlineData("scan --config {config} --server nosuch", 1)]
    [InlineData("scan --config {dir}/invalid-config.json --server codex", 2)]
    [InlineData("scan --config {config} --server codex", 2)]

    // tools
    [InlineData("tools list --config {config} --server nosuch", 1)]
    [InlineData("tools diff --config {config} --server codex nosuch", 1)]
    [InlineData("tools approve --config {config} --server codex nosuch", 1)]
    [InlineData("tools list --config {dir}/memory.json --server codex", 2)]
    [InlineData("tools list --config {config}", 2)]
    public void Command_Failure_ExitsWithTheDocumentedCode(string commandLine, int expected)
    {
        var result = Run(commandLine);

        Assert.True(expected == result.ExitCode, $"portcullis {commandLine}: expected exit {expected}, got {result.ExitCode}.\n{result.Error}");
        Assert.NotEqual("", result.Error.Trim());
    }

    private (int ExitCode, string Output, string Error) Run(string commandLine) =>
        CliRunner.Run([.. commandLine.Replace("{config}", Path.Combine(_directory, "portcullis.json"), StringComparison.Ordinal)
            .Replace("{dir}", _directory, StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)]);

    private void Write(string name, string text) => File.WriteAllText(Path.Combine(_directory, name), text);
}
