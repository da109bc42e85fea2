using Portcullis.Gateway.Configuration;
using Portcullis.Policy;

namespace Portcullis.Gateway.Tests.Configuration;

/// <summary>Every configuration error names its JSON Pointer, line and column, and a misspelt key the one it was meant to be.</summary>
public sealed class ConfigErrorPositionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-config-").FullName;

    public ConfigErrorPositionTests() =>
        File.WriteAllText(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "deny"}""");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Load_MisspeltKey_NamesItsLineAndColumnAndTheKeyMeant()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "fail_mdoe": "open",
              "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }]
            }
            """);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(("/fail_mdoe", new SourcePosition(3, 3)), (error.Path, error.Position));
        Assert.Equal("Unknown key 'fail_mdoe'.", error.Message);
        Assert.StartsWith("Did you mean 'fail_mode'? Expected one of: listen, store, fail_mode,", error.Hint, StringComparison.Ordinal);
        Assert.StartsWith("/fail_mdoe (line 3, column 3): Unknown key 'fail_mdoe'. Did you mean 'fail_mode'?", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_KeyLikeNoKnownOne_ListsTheKeysWithoutAGuess()
    {
        var (_, errors) = Load("""
            {
              "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }],
              "zzzzzzzz": 1
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal(new SourcePosition(3, 3), error.Position);
        Assert.StartsWith("Expected one of: listen, store,", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongType_PointsAtTheValue()
    {
        var (config, errors) = Load("""
            {
              "listen": 8787,
              "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }]
            }
            """);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(("/listen", new SourcePosition(2, 13)), (error.Path, error.Position));
        Assert.Equal("/listen (line 2, column 13): Expected a string but found a number. Write it in quotes.", error.ToString());
    }

    [Fact]
    public void Load_NestedErrorsInTheSecondServer_NameThatServersPlaces()
    {
        var (config, errors) = Load("""
            {
              "servers": [
                { "id": "a", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" },
                {
                  "id": "b",
                  "url": "http://127.0.0.1:9101/mcp",
                  "policy": "codex.json",
                  "circuit_breaker": { "failure_ratio": 0.5, "minimum_throughput": 1 },
                  "timout": "5s"
                }
              ]
            }
            """);

        Assert.Null(config);
        Assert.Equal(
        [
            "/servers/1/circuit_breaker/minimum_throughput (line 8, column 72): Expected a whole number from 2 to 100000.",
            "/servers/1/timout (line 9, column 7): Unknown key 'timout'. Did you mean 'timeout'? Expected one of: " + string.Join(", ",
                "id", "url", "headers", "command", "args", "env", "policy", "allow_methods", "timeout", "max_response_bytes", "max_response_depth",
                "max_concurrent_calls", "max_processes", "max_processes_per_grant", "circuit_breaker", "instructions", "description", "risk_overrides", "pinning") + ".",
        ], errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Load_MissingKey_PointsAtTheObjectThatLacksIt()
    {
        var (_, errors) = Load("""
            {
              "servers": [
                { "id": "a", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }
              ],
              "grants": [
                { "name": "ci", "servers": ["a"] }
              ]
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal(("/grants/0", new SourcePosition(6, 5)), (error.Path, error.Position));
        Assert.StartsWith("The grant has no 'token'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RepeatedKey_IsRefusedWhereItRepeats()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "servers": [{ "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }],
              "store": "sqlite:other.db"
            }
            """);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(("/store", new SourcePosition(4, 3)), (error.Path, error.Position));
        Assert.Equal("Duplicate key 'store' (first at line 2, column 3).", error.Message);
    }

    [Fact]
    public void Load_MalformedJson_NamesTheLineAndColumn()
    {
        var (config, errors) = Load("""
            {
              "store": "memory",
              "servers": [{ "id": "codex" "url": "http://127.0.0.1:9100/mcp" }]
            }
            """);

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Equal(("", new SourcePosition(3, 31)), (error.Path, error.Position));
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManyErrors_AreListedInDocumentOrder()
    {
        var (_, errors) = Load("""
            {
              "grants": [{ "name": "g", "servers": ["nope"], "token": "a-token-of-at-least-24-characters" }],
              "listen": "ftp://x",
              "servers": [{ "id": "Codex!", "url": "http://127.0.0.1:9100/mcp", "policy": "codex.json" }]
            }
            """);

        Assert.Equal(["/grants/0/servers/0", "/listen", "/servers/0/id"], errors.Select(e => e.Path));
        Assert.Equal([new SourcePosition(2, 41), new SourcePosition(3, 13), new SourcePosition(4, 23)], errors.Select(e => e.Position!.Value));
    }

    [Fact]
    public void Load_UnsetSecretsAndPolicyProblems_CarryThePlaceOfTheirSetting()
    {
        File.WriteAllText(Path.Combine(_directory, "bad.json"), """{"version": "1", "default": "block"}""");

        var (config, errors) = Load("""
            {
              "servers": [
                { "id": "codex", "url": "http://127.0.0.1:9100/mcp", "policy": "bad.json",
                  "headers": { "Authorization": "env:UNSET_HEADER" } }
              ]
            }
            """);

        Assert.Empty(errors);
        var secret = Assert.Single(config!.UnsetSecrets);
        Assert.Equal("/servers/0/headers/Authorization (line 4, column 37): Environment variable 'UNSET_HEADER' is not set.", secret.ToString());
        var problem = Assert.Single(config.PolicyProblems);
        Assert.Equal(("/servers/0/policy", new SourcePosition(3, 68)), (problem.Path, problem.Position));
        Assert.Contains("'block' is not a valid value", problem.Message, StringComparison.Ordinal);
        Assert.Contains("(line 1, column 29)", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_UnreadableFile_HasNoPosition()
    {
        var (config, errors) = ConfigLoader.LoadFile(Path.Combine(_directory, "missing.json"));

        Assert.Null(config);
        var error = Assert.Single(errors);
        Assert.Null(error.Position);
        Assert.StartsWith("/: Cannot read ", error.ToString(), StringComparison.Ordinal);
    }

    private (GatewayConfig? Config, IReadOnlyList<ConfigError> Errors) Load(string text) => ConfigLoader.Load(text, _directory, _ => null);
}
