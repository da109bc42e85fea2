using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Cli.Demo;

namespace Portcullis.Cli.Tests.Serving;

/// <summary>
/// <c>portcullis stdio</c> as a real child process, launched by the official C# SDK's stdio
/// client the way a desktop client launches it, in front of the demo upstream.
/// </summary>
public sealed class StdioCommandTests : IAsyncLifetime
{
    private const string Token = "stdio-test-token-0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-stdio-").FullName;
    private DemoUpstream _upstream = null!;

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory, "codex.json"), """
            {"version": "1", "default": "deny", "hide": ["describe_codebase"],
             "tools": {"code_generate": {"limits": [{"counter": "cg", "window": "minute", "max": 2}]}, "review_code": {"action": "deny", "reason": "Not today."}}}
            """);
        await File.WriteAllTextAsync(Path.Combine(_directory, "portcullis.json"), $$"""
            {
              "servers": [{ "id": "codex", "url": "{{_upstream.Url}}", "policy": "codex.json" }],
              "grants": [{ "name": "desktop", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stdio_SdkClient_IsServedUnderThePolicy()
    {
        await using var client = await McpClient.CreateAsync(Transport(Token), cancellationToken: TestContext.Current.CancellationToken);

        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var args = new Dictionary<string, object?> { ["description"] = "sort a list" };
        var first = await client.CallToolAsync("code_generate", args, cancellationToken: TestContext.Current.CancellationToken);
        await client.CallToolAsync("code_generate", args, cancellationToken: TestContext.Current.CancellationToken);
        var third = await client.CallToolAsync("code_generate", args, cancellationToken: TestContext.Current.CancellationToken);
        var denied = await client.CallToolAsync("review_code", new Dictionary<string, object?> { ["code"] = "x" }, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["code_generate", "review_code"], tools.Select(t => t.Name).Order());
        Assert.Equal("[demo:o4-mini] Python code for \"sort a list\" (iteration 1):\n// TODO: sort a list", Text(first));
        Assert.True(third.IsError);
        Assert.StartsWith("[POLICY DENIED] Rate limit 'cg' reached", Text(third), StringComparison.Ordinal);
        Assert.Equal("[POLICY DENIED] Not today.", Text(denied));
        Assert.Equal(2, _upstream.ToolCallsServed);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stdio_NeedsNeitherAdminTokens_NorOtherServersSecretsOrPolicies()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "other.json"), """{"version": "1", "default": "maybe"}""", TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(Path.Combine(_directory, "portcullis.json"), $$"""
            {
              "admins": [{ "name": "ops", "token": "env:PORTCULLIS_TEST_UNSET_ADMIN" }],
              "servers": [
                { "id": "codex", "url": "{{_upstream.Url}}", "policy": "codex.json" },
                { "id": "other", "url": "http://127.0.0.1:9/mcp", "policy": "other.json", "headers": { "Authorization": "env:PORTCULLIS_TEST_UNSET_HEADER" } }
              ],
              "grants": [
                { "name": "desktop", "servers": ["codex"], "token": "{{Token}}" },
                { "name": "elsewhere", "servers": ["other"], "token": "env:PORTCULLIS_TEST_UNSET_GRANT" }
              ]
            }
            """, TestContext.Current.CancellationToken);

        await using var client = await McpClient.CreateAsync(Transport(Token), cancellationToken: TestContext.Current.CancellationToken);
        var tools = await client.ListToolsAsync(cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(["code_generate", "review_code"], tools.Select(t => t.Name).Order());
    }

    [Fact(Timeout = 60_000)]
    public async Task Stdio_WrongToken_RefusesToStart()
    {
        using var process = StartStdio("not-the-token-0123456789abcdef");
        process.StandardInput.Close();
        var error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("The token does not belong to any grant.", error, StringComparison.Ordinal);
        Assert.Equal(0, _upstream.ToolCallsServed);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stdio_HostileLines_AreRefusedOneByOne_AndTheProcessKeepsServing()
    {
        using var process = StartStdio(Token);
        var cancel = TestContext.Current.CancellationToken;
        async Task<string> SendAsync(string line)
        {
            await process.StandardInput.WriteLineAsync(line);
            await process.StandardInput.FlushAsync(cancel);
            return (await process.StandardOutput.ReadLineAsync(cancel))!;
        }

        var surrogateName = await SendAsync("""{"jsonrpc":"2.0","id":1,"method":"tools/list","\ud800":1}""");
        var initialize = await SendAsync("""{"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        var caseVariant = await SendAsync("""{"jsonrpc":"2.0","id":3,"method":"Tools/Call","params":{"name":"code_generate","arguments":{"description":"x"}}}""");
        var surrogateValue = await SendAsync("""{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"\udc00"}}}""");
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancel);

        Assert.Contains("\"code\":-32700", surrogateName, StringComparison.Ordinal);
        Assert.Contains("not valid Unicode", surrogateName, StringComparison.Ordinal);
        Assert.Contains("\"result\"", initialize, StringComparison.Ordinal);
        Assert.Contains("\"code\":-32601", caseVariant, StringComparison.Ordinal);
        Assert.Contains("\"code\":-32700", surrogateValue, StringComparison.Ordinal);
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(0, _upstream.ToolCallsServed);
    }

    [Fact(Timeout = 60_000)]
    public async Task Stdio_Sigterm_EndsTheProcess_WhileItsInputIsStillOpen()
    {
        using var process = StartStdio(Token);
        var cancel = TestContext.Current.CancellationToken;
        await process.StandardInput.WriteLineAsync("""{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}""");
        await process.StandardInput.FlushAsync(cancel);
        Assert.Contains("\"result\"", (await process.StandardOutput.ReadLineAsync(cancel))!, StringComparison.Ordinal);

        using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(cancel);
        }

        // The command owns the signal (the gateway's host does not swallow it): the process ends although its input never closed.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.HasExited);
    }

    /// <summary><c>portcullis stdio</c> as a child process with its three streams redirected, for raw lines.</summary>
    private System.Diagnostics.Process StartStdio(string token)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in Arguments())
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PORTCULLIS_STDIO_TOKEN"] = token;
        return System.Diagnostics.Process.Start(start)!;
    }

    private StdioClientTransport Transport(string token) => new(new StdioClientTransportOptions
    {
        Name = "portcullis",
        Command = "dotnet",
        Arguments = Arguments(),
        EnvironmentVariables = new Dictionary<string, string?> { ["PORTCULLIS_STDIO_TOKEN"] = token },
    });

    private string[] Arguments() =>
        [CliRunner.Assembly, "stdio", "--config", Path.Combine(_directory, "portcullis.json"), "--server", "codex", "--token-env", "PORTCULLIS_STDIO_TOKEN"];


    private static string Text(CallToolResult result) => Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text;
}
