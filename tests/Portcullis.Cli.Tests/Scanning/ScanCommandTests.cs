using System.Net.Sockets;
using System.Text.Json;
using Portcullis.Cli.Demo;
using Portcullis.Policy.Risk;

namespace Portcullis.Cli.Tests.Scanning;

/// <summary>
/// <c>portcullis scan</c> through the real command line, against real servers on loopback: the demo
/// upstream (CodexMCP-like), a scripted server that pages, checks a key and misbehaves on demand,
/// and the gateway's own stdio front as a stdio server.
/// </summary>
public sealed class ScanCommandTests : IAsyncLifetime
{
    private const string StdioToken = "scan-stdio-token-0123456789abcdef";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-scan-").FullName;
    private DemoUpstream _demo = null!;
    private ScriptedUpstream _scripted = null!;

    public async ValueTask InitializeAsync()
    {
        _demo = await DemoUpstream.StartAsync();
        _scripted = await ScriptedUpstream.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _demo.DisposeAsync();
        await _scripted.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Scan_DemoUpstream_ClassifiesCodeGenerateAsExecuteHigh_WithLoweredConfidence_AndRecommendsTheBriefsRule()
    {
        var (exitCode, output, error) = await RunAsync("scan", "--url", _demo.Url.ToString(), "--json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("codex-mcp", json.RootElement.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal(DemoUpstream.ServerDescription, json.RootElement.GetProperty("server").GetProperty("description").GetString());
        var tools = json.RootElement.GetProperty("tools").EnumerateArray().ToList();
        Assert.Equal(["code_generate", "describe_codebase", "review_code"], tools.Select(t => t.GetProperty("name").GetString()).Order());
        var codeGenerate = tools[0];
        Assert.Equal("code_generate", codeGenerate.GetProperty("name").GetString());
        Assert.Equal("Execute", codeGenerate.GetProperty("category").GetString());
        Assert.Equal("High", codeGenerate.GetProperty("severity").GetString());
        // Lowered, as the brief has it: the tool says nothing of itself, only its name and its server do.
        Assert.InRange(codeGenerate.GetProperty("confidence").GetDouble(), 0.05, 0.75);
        Assert.Matches("Confidence is lowered because [^.]*the description is empty", codeGenerate.GetProperty("rationale").GetString());
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse("""
            {"limits": [{"counter": "code_generate_rate", "window": "minute", "max": 10, "scope": "grant"}], "validate_args": true}
            """).RootElement, codeGenerate.GetProperty("recommended")), codeGenerate.GetProperty("recommended").GetRawText());
        Assert.Equal(JsonValueKind.Null, codeGenerate.GetProperty("override").ValueKind);
    }

    [Fact]
    public async Task Scan_Table_ListsToolsRiskiestFirst_WithTheirTopSignals()
    {
        var (exitCode, output, error) = await RunAsync("scan", "--url", _scripted.Url("paged").ToString(), "--header", $"{ScriptedUpstream.KeyHeader}: {ScriptedUpstream.Key}");

        Assert.True(exitCode == 0, error);
        Assert.StartsWith("Server: scripted 2.0.0 — 5 tool(s), riskiest first", output, StringComparison.Ordinal);
        var rows = ScriptedUpstream.PagedTools.ToDictionary(tool => tool, tool => output.IndexOf($"│ {tool} ", StringComparison.Ordinal));
        Assert.All(rows.Values, index => Assert.True(index > 0, output));
        Assert.True(rows["transfer_funds"] < rows["delete_repository"] && rows["delete_repository"] < rows["run_shell_command"]
            && rows["run_shell_command"] < rows["write_file"] && rows["write_file"] < rows["read_file"], output);
        Assert.Matches(@"│ TOOL\s+│ CATEGORY\s+│ SEVERITY\s+│ CONFIDENCE\s+│ TOP SIGNALS\s+│", output);
        Assert.Matches(@"│ transfer_funds\s+│ Financial\s+│ \w+\s+│ [01]\.\d\d\s+│ (name|description|inputSchema|annotation|server|negation): ", output);
    }

    [Fact]
    public async Task Scan_Json_IsSortedByCategoryThenSeverityThenName_AndEachRecommendationFollowsTheCategory()
    {
        var (exitCode, output, error) = await RunAsync("scan", "--url", _scripted.Url("paged").ToString(), "--header", $"{ScriptedUpstream.KeyHeader}: {ScriptedUpstream.Key}", "--json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var tools = json.RootElement.GetProperty("tools").EnumerateArray().Select(t => (
            Name: t.GetProperty("name").GetString()!,
            Category: Enum.Parse<RiskCategory>(t.GetProperty("category").GetString()!),
            Severity: Enum.Parse<RiskSeverity>(t.GetProperty("severity").GetString()!),
            Recommended: t.GetProperty("recommended").Clone())).ToList();
        Assert.Equal(ScriptedUpstream.PagedTools.Order(), tools.Select(t => t.Name).Order());
        var sorted = tools.OrderByDescending(t => t.Category).ThenByDescending(t => t.Severity).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(sorted.Select(t => t.Name), tools.Select(t => t.Name));
        Assert.Equal(
            new[] { RiskCategory.Financial, RiskCategory.Destructive, RiskCategory.Execute, RiskCategory.Write, RiskCategory.Read },
            new[] { "transfer_funds", "delete_repository", "run_shell_command", "write_file", "read_file" }.Select(name => tools.Single(t => t.Name == name).Category));
        foreach (var tool in tools)
        {
            var expected = tool.Category switch
            {
                RiskCategory.Read => "{}",
                RiskCategory.Write => $$"""{"limits":[{"counter":"{{tool.Name}}_rate","window":"minute","max":30,"scope":"grant"}]}""",
                RiskCategory.Execute => $$"""{"limits":[{"counter":"{{tool.Name}}_rate","window":"minute","max":10,"scope":"grant"}],"validate_args":true}""",
                RiskCategory.Destructive => $$"""{"action":"require_approval","reason":"{{tool.Name}} can destroy data: a person approves each call."}""",
                _ => $$"""{"action":"require_approval","reason":"{{tool.Name}} can move money: a person approves each call.","limits":[{"counter":"{{tool.Name}}_rate","window":"hour","max":5,"scope":"grant"}]}""",
            };
            Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(expected).RootElement, tool.Recommended), $"{tool.Name}: {tool.Recommended.GetRawText()}");
        }
    }

    [Theory]
    [InlineData("recommended.yaml")]
    [InlineData("recommended.json")]
    public async Task Scan_Policy_IsWrittenAndPassesPolicyCheck(string name)
    {
        var path = Path.Combine(_directory, name);

        var scan = await RunAsync("scan", "--url", _scripted.Url("paged").ToString(), "--header", $"{ScriptedUpstream.KeyHeader}: {ScriptedUpstream.Key}", "--policy", path);
        var check = await RunAsync("policy", "check", path);

        Assert.True(scan.ExitCode == 0, scan.Error);
        Assert.Contains($"Wrote the recommended policy to {path} (5 tool rule(s), default deny).", scan.Output, StringComparison.Ordinal);
        Assert.True(check.ExitCode == 0, check.Error);
        Assert.Contains("OK (5 tool rule(s), default deny, enforce mode)", check.Output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory, "*.tmp"));
        if (name.EndsWith(".yaml", StringComparison.Ordinal))
        {
            var text = await File.ReadAllTextAsync(path, Cancel);
            Assert.Contains("# Recommended by `portcullis scan` for scripted (5 tool(s)).", text, StringComparison.Ordinal);
            Assert.Matches(@"  # Financial, \w+ risk[^\n]*\n(  #[^\n]*\n)*  transfer_funds:\n", text);
            Assert.Matches(@"  # Read, \w+ risk[^\n]*\n(  #[^\n]*\n)*  read_file: \{\}\n", text);
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Scan_ConfiguredServer_WritesThePolicyItNames_WhichPassesCheckAndLoadsInServe()
    {
        var cancel = TestContext.Current.CancellationToken;
        var policy = Path.Combine(_directory, "codex.yaml");
        var port = FreePort();
        var config = Path.Combine(_directory, "portcullis.json");
        const string Token = "scan-serve-token-0123456789abcdef";
        await File.WriteAllTextAsync(config, $$"""
            {
              "listen": "http://127.0.0.1:{{port}}",
              "store": "sqlite:state.db",
              "servers": [{ "id": "codex", "url": "{{_demo.Url}}", "policy": "codex.yaml" }],
              "grants": [{ "name": "agent", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """, cancel);

        var scan = await RunAsync("scan", "--config", config, "--server", "codex", "--policy", policy);
        var check = await RunAsync("policy", "check", policy);

        Assert.True(scan.ExitCode == 0, scan.Error);
        Assert.True(check.ExitCode == 0, check.Error);
        await using var gateway = await ServedGateway.StartAsync(config, port, cancel);
        var session = await gateway.InitializeAsync(Token, cancel);
        var listed = await gateway.PostAsync(Token, session, """{"jsonrpc":"2.0","id":2,"method":"tools/list","params":{}}""", cancel);
        var first = await gateway.PostAsync(Token, session, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"sort a list"}}}""", cancel);
        var invalid = await gateway.PostAsync(Token, session, """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":7}}}""", cancel);

        // Every tool has a rule in the recommended policy, so none is left out of the list.
        Assert.All(new[] { "code_generate", "describe_codebase", "review_code" }, tool => Assert.Contains($"\"{tool}\"", listed, StringComparison.Ordinal));
        Assert.DoesNotContain("POLICY DENIED", first, StringComparison.Ordinal);
        Assert.Contains("[demo:o4-mini] Python code for", first, StringComparison.Ordinal);
        Assert.Contains("[POLICY DENIED] Invalid arguments for code_generate", invalid, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ExistingPolicyFile_IsKeptWithoutForce_AndReplacedWithForce()
    {
        var path = Path.Combine(_directory, "existing.yaml");
        await File.WriteAllTextAsync(path, "mine", Cancel);

        var refused = await RunAsync("scan", "--url", _demo.Url.ToString(), "--policy", path);
        var kept = await File.ReadAllTextAsync(path, Cancel);
        var forced = await RunAsync("scan", "--url", _demo.Url.ToString(), "--policy", path, "--force");

        Assert.Equal(2, refused.ExitCode);
        Assert.Equal($"--policy: {path} exists; nothing was scanned or written. Add --force to replace it.", refused.Error.Trim());
        Assert.Equal("", refused.Output);
        Assert.Equal("mine", kept);
        Assert.True(forced.ExitCode == 0, forced.Error);
        Assert.Contains("code_generate_rate", await File.ReadAllTextAsync(path, Cancel), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_Explain_ShowsTheRationaleEverySignalAndTheRecommendedRule()
    {
        var (exitCode, output, error) = await RunAsync("scan", "--url", _demo.Url.ToString(), "--explain", "code_generate");

        Assert.True(exitCode == 0, error);
        Assert.Contains("Tool:        code_generate", output, StringComparison.Ordinal);
        Assert.Contains("Category:    Execute", output, StringComparison.Ordinal);
        Assert.Contains("Rationale:\n  Execute, High risk", output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Matches(@"Signals \(\d+, strongest first\)", output);
        Assert.Contains("Wraps the OpenAI Codex CLI", output, StringComparison.Ordinal);
        Assert.Contains("\"counter\": \"code_generate_rate\"", output, StringComparison.Ordinal);

        var json = await RunAsync("scan", "--url", _demo.Url.ToString(), "--explain", "code_generate", "--json");
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal(("code_generate", "Execute"), (document.RootElement.GetProperty("name").GetString(), document.RootElement.GetProperty("category").GetString()));
    }

    [Fact]
    public async Task Scan_ExplainUnknownTool_ListsCloseNames_AndExits1()
    {
        var close = await RunAsync("scan", "--url", _demo.Url.ToString(), "--explain", "code_gen");
        var far = await RunAsync("scan", "--url", _demo.Url.ToString(), "--explain", "transfer_funds");

        Assert.Equal(1, close.ExitCode);
        Assert.Equal("--explain: the server lists no tool 'code_gen'. Did you mean: code_generate?", close.Error.Trim());
        Assert.Equal("", close.Output);
        Assert.Equal(1, far.ExitCode);
        Assert.Contains("no tool 'transfer_funds' nor one named like it; it lists 3 tool(s)", far.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_File_ClassifiesOffline_WithTheServersDescription()
    {
        var file = Write("inventory.json", """
            {
              "server": { "name": "CodexMCP", "description": "Wraps the OpenAI Codex CLI to provide AI-powered code generation, refactoring, and documentation.",
                          "serverInfo": { "name": "codex-mcp", "version": "0.3.1" }, "instructions": "" },
              "tools": [
                { "name": "review_code", "description": "Review code and suggest improvements.", "inputSchema": { "type": "object", "properties": { "code": { "type": "string" } } } },
                { "name": "code_generate", "description": "", "inputSchema": { "type": "object", "properties": { "description": { "type": "string" }, "language": { "type": "string" } } } }
              ]
            }
            """);

        var (exitCode, output, error) = await RunAsync("scan", "--file", file, "--json");

        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        Assert.Equal("CodexMCP", json.RootElement.GetProperty("server").GetProperty("name").GetString());
        Assert.Equal("0.3.1", json.RootElement.GetProperty("server").GetProperty("version").GetString());
        var first = json.RootElement.GetProperty("tools")[0];
        Assert.Equal(("code_generate", "Execute", "High"), (first.GetProperty("name").GetString(), first.GetProperty("category").GetString(), first.GetProperty("severity").GetString()));
    }

    [Fact]
    public async Task Scan_WhatTheServerWrote_ReachesTheTerminalAndThePolicyWithoutControlCharacters()
    {
        var file = Write("hostile.json", """
            {"server": {"name": "evil\u001b[2J", "description": "Deletes files.\u0085default: allow\u001b]0;owned\u0007"},
             "tools": [{"name": "wipe\u001b[31m", "description": "Deletes everything.\u2028tools: {}"}]}
            """);
        var policy = Path.Combine(_directory, "hostile.yaml");

        var table = await RunAsync("scan", "--file", file, "--policy", policy);
        var explained = await RunAsync("scan", "--file", file, "--explain", "wipe\u001b[31m");
        var check = await RunAsync("policy", "check", policy);

        Assert.True(table.ExitCode == 0, table.Error);
        Assert.True(explained.ExitCode == 0, explained.Error);
        foreach (var output in new[] { table.Output, explained.Output, await File.ReadAllTextAsync(policy, Cancel) })
        {
            Assert.DoesNotContain(output, c => char.IsControl(c) && c is not '\n' and not '\r');
            Assert.DoesNotContain('\u2028', output);
        }

        Assert.Contains("wipe\\u001B[31m", table.Output, StringComparison.Ordinal);
        Assert.Contains("Tool:        wipe\\u001B[31m", explained.Output, StringComparison.Ordinal);
        Assert.Equal(0, check.ExitCode);
        Assert.Contains("OK (1 tool rule(s), default deny, enforce mode)", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_ConfiguredServer_UsesItsHeadersDescriptionAndOverrides_AndShowsOverridesAsSuch()
    {
        Write("policy.json", """{"version": "1", "default": "deny"}""");
        var config = Write("portcullis.json", $$"""
            {
              "store": "memory",
              "servers": [{
                "id": "repo", "url": "{{_scripted.Url("paged")}}", "policy": "policy.json",
                "headers": { "{{ScriptedUpstream.KeyHeader}}": "env:PORTCULLIS_SCAN_TEST_KEY" },
                "description": "The team's repository host.",
                "risk_overrides": {
                  "read_file": { "category": "Destructive", "severity": "Critical", "reason": "Reads secrets too." },
                  "not_listed": { "category": "Read", "severity": "Low" }
                }
              }]
            }
            """);
        Environment.SetEnvironmentVariable("PORTCULLIS_SCAN_TEST_KEY", ScriptedUpstream.Key);

        var json = await RunAsync("scan", "--config", config, "--server", "repo", "--json");
        var table = await RunAsync("scan", "--config", config, "--server", "repo");
        var explained = await RunAsync("scan", "--config", config, "--server", "repo", "--explain", "read_file");
        var unknown = await RunAsync("scan", "--config", config, "--server", "nosuch");

        Assert.True(json.ExitCode == 0, json.Error);
        Assert.Equal("warning: risk_overrides names 'not_listed', which the server does not list.", json.Error.Trim());
        using var document = JsonDocument.Parse(json.Output);
        Assert.Equal("The team's repository host.", document.RootElement.GetProperty("server").GetProperty("description").GetString());
        var readFile = document.RootElement.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "read_file");
        Assert.Equal(("Destructive", "Critical", 1.0), (readFile.GetProperty("category").GetString(), readFile.GetProperty("severity").GetString(), readFile.GetProperty("confidence").GetDouble()));
        Assert.Equal("Read", readFile.GetProperty("override").GetProperty("classified").GetProperty("category").GetString());
        Assert.StartsWith("Overridden by the operator: Destructive, Critical risk (Reads secrets too.)", readFile.GetProperty("rationale").GetString(), StringComparison.Ordinal);
        Assert.Equal("require_approval", readFile.GetProperty("recommended").GetProperty("action").GetString());
        Assert.Matches(@"│ read_file\s+│ Destructive \(override\)\s+│ Critical", table.Output);
        Assert.Contains("Category:    Destructive (operator override)", explained.Output, StringComparison.Ordinal);
        Assert.Contains("Classified:  Read,", explained.Output, StringComparison.Ordinal);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Equal("--server: no server has id 'nosuch'. Servers: repo.", unknown.Error.Trim());
    }

    [Fact]
    public async Task Scan_StdioServer_FromTheConfiguration_AndAfterDoubleDash()
    {
        Write("inner-policy.json", """{"version": "1", "default": "allow"}""");
        var inner = Write("inner.json", $$"""
            {
              "store": "memory",
              "servers": [{ "id": "codex", "url": "{{_demo.Url}}", "policy": "inner-policy.json" }],
              "grants": [{ "name": "scan", "servers": ["codex"], "token": "{{StdioToken}}" }]
            }
            """);
        Write("policy.json", """{"version": "1", "default": "deny"}""");
        var config = Write("portcullis.json", $$"""
            {
              "store": "memory",
              "servers": [{
                "id": "codex-stdio", "command": "dotnet", "policy": "policy.json",
                "args": ["{{CliRunner.Assembly}}", "stdio", "--config", "{{inner}}", "--server", "codex", "--token-env", "SCAN_STDIO_TOKEN"],
                "env": { "SCAN_STDIO_TOKEN": "{{StdioToken}}" }
              }]
            }
            """);
        Environment.SetEnvironmentVariable("PORTCULLIS_SCAN_TEST_STDIO_TOKEN", StdioToken);

        var configured = await RunAsync("scan", "--config", config, "--server", "codex-stdio", "--json");
        var command = await RunAsync("scan", "--json", "--", "dotnet", CliRunner.Assembly, "stdio", "--config", inner, "--server", "codex", "--token-env", "PORTCULLIS_SCAN_TEST_STDIO_TOKEN");

        foreach (var (exitCode, output, error) in new[] { configured, command })
        {
            Assert.True(exitCode == 0, error);
            using var json = JsonDocument.Parse(output);
            Assert.Equal("codex-mcp", json.RootElement.GetProperty("server").GetProperty("name").GetString());
            Assert.Equal(["code_generate", "describe_codebase", "review_code"], json.RootElement.GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
        }
    }

    [Fact]
    public async Task Scan_UnreachableUpstream_Exits2WithOneMessage_AndWritesNothing()
    {
        var policy = Path.Combine(_directory, "never.yaml");

        var (exitCode, output, error) = await RunAsync("scan", "--url", $"http://127.0.0.1:{FreePort()}/mcp", "--policy", policy);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        var line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith($"scan: cannot reach http://127.0.0.1:", line, StringComparison.Ordinal);
        Assert.EndsWith("Nothing was scanned.", line, StringComparison.Ordinal);
        Assert.False(File.Exists(policy));
    }

    [Fact]
    public async Task Scan_MissingKey_Exits2NamingTheStatus()
    {
        var (exitCode, _, error) = await RunAsync("scan", "--url", _scripted.Url("paged").ToString());

        Assert.Equal(2, exitCode);
        Assert.Equal($"scan: {_scripted.Url("paged")} answered HTTP 401. Nothing was scanned.", error.Trim());
    }

    [Fact]
    public async Task Scan_ServerThatRefusesInitialize_Exits2()
    {
        var policy = Path.Combine(_directory, "never.yaml");

        var (exitCode, output, error) = await RunAsync("scan", "--url", _scripted.Url("refuse-initialize").ToString(), "--policy", policy);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal("scan: initialize failed with the error -32602 Unsupported protocol version. Nothing was scanned.", error.Trim());
        Assert.False(File.Exists(policy));
    }

    [Fact]
    public async Task Scan_ToolListThatNeverEnds_StopsAfter100Pages_AndExits2()
    {
        var policy = Path.Combine(_directory, "never.yaml");
        var before = _scripted.ToolListRequests;

        var (exitCode, output, error) = await RunAsync("scan", "--url", _scripted.Url("endless").ToString(), "--policy", policy);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal($"scan: cannot read the tool list of {_scripted.Url("endless")}: the server's tool list runs past 100 pages. Nothing was scanned.", error.Trim());
        Assert.Equal(100, _scripted.ToolListRequests - before);
        Assert.False(File.Exists(policy));
    }

    [Fact]
    public async Task Scan_ToolListThatRepeatsACursor_Exits2()
    {
        var (exitCode, _, error) = await RunAsync("scan", "--url", _scripted.Url("repeat").ToString());

        Assert.Equal(2, exitCode);
        Assert.Equal($"scan: cannot read the tool list of {_scripted.Url("repeat")}: the server handed out the cursor 'same' twice. Nothing was scanned.", error.Trim());
    }

    [Fact]
    public async Task Scan_CommandThatCannotStart_Exits2()
    {
        var (exitCode, _, error) = await RunAsync("scan", "--", Path.Combine(_directory, "no-such-server"));

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"scan: cannot start '{Path.Combine(_directory, "no-such-server")}'", error.Trim(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_CommandThatExitsBeforeAnswering_Exits2()
    {
        var (exitCode, output, error) = await RunAsync("scan", "--", "dotnet", "--version");

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Equal("scan: initialize failed with the error -32003 Upstream server 'dotnet' exited before answering. Nothing was scanned.", error.Trim());
    }

    [Theory]
    [InlineData("not json", "/: not valid JSON")]
    [InlineData("[]", "/: expected a JSON object")]
    [InlineData("""{"server": {}}""", "/tools: expected the array of tools")]
    [InlineData("""{"tools": [{"name": "a"}, {"description": "x"}, {"name": "a"}, 3]}""", "/tools/1/name: expected the tool's name")]
    [InlineData("""{"tools": [{"name": "a"}, {"name": "a"}]}""", "/tools/1/name: 'a' is listed twice (first at /tools/0).")]
    [InlineData("""{"tools": [], "server": {"name": 1, "serverinfo": {}}}""", "/server/name: expected a string, found number.")]
    [InlineData("""{"tools": [], "server": {"serverinfo": {}}}""", "/server/serverinfo: unknown key 'serverinfo'.")]
    [InlineData("""{"tools": [], "nextCursor": "2"}""", "/nextCursor: unknown key 'nextCursor'.")]
    public async Task Scan_MalformedFile_Exits2NamingTheProblem_AndWritesNothing(string text, string problem)
    {
        var file = Write("bad.json", text);
        var policy = Path.Combine(_directory, "never.yaml");

        var (exitCode, output, error) = await RunAsync("scan", "--file", file, "--policy", policy);

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.StartsWith($"{file}: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        Assert.False(File.Exists(policy));
    }

    [Theory]
    [InlineData("scan")]
    [InlineData("scan --file a.json --url http://127.0.0.1:9/mcp")]
    [InlineData("scan --url http://127.0.0.1:9/mcp --server codex")]
    [InlineData("scan --file a.json --header X:1")]
    [InlineData("scan --url ftp://127.0.0.1/mcp")]
    [InlineData("scan --url http://127.0.0.1:9/mcp --header novalue")]
    [InlineData("scan --url http://127.0.0.1:9/mcp --header Mcp-Session-Id:1")]
    [InlineData("scan --file a.json --policy out.txt")]
    public async Task Scan_BadCommandLine_Exits2(string commandLine)
    {
        var (exitCode, output, error) = await RunAsync(commandLine.Split(' '));

        Assert.Equal(2, exitCode);
        Assert.Equal("", output);
        Assert.Single(error.Trim().Split('\n'));
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) => Task.Run(() => CliRunner.Run(args));

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
