using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Tests.Configuration;

public sealed class AuditConfigLoaderTests : IDisposable
{
    private const string Servers = "\"servers\": [{\"id\": \"codex\", \"url\": \"http://127.0.0.1:9100/mcp\", \"policy\": \"codex.json\"}]";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-config-").FullName;

    public AuditConfigLoaderTests() =>
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "deny"}""");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_AuditAndAdmins_AreRead()
    {
        var env = new Dictionary<string, string> { ["KEY"] = "checkpoint-key-0123456789abcdefghijklmnop", ["ADMIN"] = "admin-token-0123456789abcdef" };

        var (config, errors) = Load("""
            {
              "audit": { "sinks": ["store", "jsonl:logs"], "checkpoint_key": "env:KEY", "checkpoint_every": 10, "retention_days": 30, "jsonl_max_bytes": 8192 },
              "admins": [{ "name": "ops", "token": "env:ADMIN" }, { "name": "lead", "token": "approver-token-0123456789ab", "role": "approver" },
                         { "name": "auditor", "token": "viewer-token-0123456789abcd", "role": "viewer" },
                         { "name": "author", "token": "policy-token-0123456789abcd", "role": "policy_manager" }],
              "servers": [{"id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json"}]
            }
            """, env);

        Assert.Empty(errors);
        Assert.True(config!.Audit.ToStore);
        Assert.Equal([Path.Combine(_directory, "logs")], config.Audit.JsonlDirectories);
        Assert.Equal((env["KEY"], 10, 30, 8192L), (config.Audit.CheckpointKey, config.Audit.CheckpointEvery, config.Audit.RetentionDays, config.Audit.JsonlMaxBytes));
        Assert.Equal(Path.Combine(_directory, "audit-spill"), config.Audit.SpillDirectory);
        Assert.Equal([("ops", AdminRole.Admin), ("lead", AdminRole.Approver), ("auditor", AdminRole.Viewer), ("author", AdminRole.PolicyManager)],
            config.Admins.Select(a => (a.Name, a.Role)));
    }

    [Theory]
    [InlineData("\"audit\": {\"sinks\": [\"s3:bucket\"]}", "/audit/sinks/0", "is not an audit sink")]
    [InlineData("\"audit\": {\"sinks\": []}", "/audit/sinks", "at least one sink")]
    [InlineData("\"audit\": {\"checkpoint_key\": \"short\"}", "/audit/checkpoint_key", "shorter than 32")]
    [InlineData("\"audit\": {\"retention_days\": 0}", "/audit/retention_days", "from 1 to 36500")]
    [InlineData("\"audit\": {\"retain\": 1}", "/audit/retain", "Unknown key")]
    [InlineData("\"admins\": [{\"name\": \"ops\", \"token\": \"short\"}]", "/admins/0/token", "shorter than 24")]
    [InlineData("\"admins\": [{\"name\": \"ops\", \"token\": \"admin-token-0123456789abcdef\", \"role\": \"root\"}]", "/admins/0/role", "is not a role")]
    [InlineData("\"admins\": [{\"token\": \"admin-token-0123456789abcdef\"}]", "/admins/0", "has no 'name'")]
    public void Load_BadAuditOrAdmins_IsRefusedWithItsPath(string setting, string path, string message)
    {
        var (config, errors) = Load("{" + setting + ", " + Servers + "}", []);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    private (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string text, Dictionary<string, string> env) =>
        ConfigLoader.Load(text, _directory, name => env.GetValueOrDefault(name));
}
