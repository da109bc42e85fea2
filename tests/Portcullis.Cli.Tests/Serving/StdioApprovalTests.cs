using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Cli.Demo;

namespace Portcullis.Cli.Tests.Serving;

/// <summary>A call held for approval on the stdio front, decided with <c>portcullis approvals</c> through the shared SQLite store.</summary>
public sealed partial class StdioApprovalTests : IAsyncLifetime
{
    private const string Token = "stdio-approval-token-0123456789abcdef";
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-stdio-approval-").FullName;
    private DemoUpstream _upstream = null!;

    private string ConfigPath => Path.Combine(_directory, "portcullis.json");

    public async ValueTask InitializeAsync()
    {
        _upstream = await DemoUpstream.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_directory, "codex.json"), """
            {"version": "1", "default": "deny", "tools": {"code_generate": {"action": "require_approval", "approval": {"timeout": 60}}}}
            """);
        await File.WriteAllTextAsync(ConfigPath, $$"""
            {
              "servers": [{ "id": "codex", "url": "{{_upstream.Url}}", "policy": "codex.json" }],
              "grants": [{ "name": "desktop", "servers": ["codex"], "token": "{{Token}}" }]
            }
            """);
    }

    public async ValueTask DisposeAsync()
    {
        await _upstream.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 90_000)]
    public async Task AHeldStdioCall_IsForwardedOnceApprovedFromTheCommandLine()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var client = await McpClient.CreateAsync(new StdioClientTransport(new StdioClientTransportOptions
        {
            Name = "portcullis",
            Command = "dotnet",
            Arguments = [CliRunner.Assembly, "stdio", "--config", ConfigPath, "--server", "codex", "--token-env", "PORTCULLIS_STDIO_TOKEN"],
            EnvironmentVariables = new Dictionary<string, string?> { ["PORTCULLIS_STDIO_TOKEN"] = Token },
        }), cancellationToken: cancel);

        var call = client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["description"] = "held over stdio" }, cancellationToken: cancel).AsTask();
        string? id = null;
        while (id is null)
        {
            id = ApprovalId().Match(CliRunner.Run("approvals", "list", "--config", ConfigPath).Output) is { Success: true } match ? match.Value : null;
            await Task.Delay(50, cancel);
        }

        Assert.False(call.IsCompleted);
        Assert.Equal(0, CliRunner.Run("approvals", "approve", "--config", ConfigPath, id).ExitCode);
        var result = await call.WaitAsync(TimeSpan.FromSeconds(20), cancel);

        Assert.NotEqual(true, result.IsError);
        Assert.Contains("held over stdio", Assert.IsType<TextContentBlock>(Assert.Single(result.Content)).Text, StringComparison.Ordinal);
        Assert.Equal(1, _upstream.ToolCallsServed);
    }


    [GeneratedRegex("apr_[0-9a-f]{32}")]
    private static partial Regex ApprovalId();
}
