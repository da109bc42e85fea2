using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Tests.Scanning;

namespace Portcullis.Cli.Tests.Grants;

/// <summary>
/// A gateway in a process of its own (<c>portcullis serve</c>) and <c>portcullis grants</c> in this
/// one, on one SQLite file: the gateway serves the run-time grant from memory, and refuses it within
/// a second of its rotation and of its revocation.
/// </summary>
public sealed partial class GrantsAcrossProcessesTests : IAsyncLifetime
{
    private const string Initialize =
        """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-grants-processes-").FullName;
    private DemoUpstream _demo = null!;

    public async ValueTask InitializeAsync() => _demo = await DemoUpstream.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _demo.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 120_000)]
    public async Task RotateAndRevoke_ByTheCommandLine_AreRefusedByAGatewayProcessWithinOneSecond()
    {
        var cancel = TestContext.Current.CancellationToken;
        var port = FreePort();
        var config = Path.Combine(_directory, "portcullis.json");
        await File.WriteAllTextAsync(Path.Combine(_directory, "codex.json"), """{"version": "1", "default": "allow"}""", cancel);
        await File.WriteAllTextAsync(config, $$"""
            {
              "listen": "http://127.0.0.1:{{port}}",
              "store": "sqlite:state.db",
              "servers": [{ "id": "codex", "url": "{{_demo.Url}}", "policy": "codex.json" }]
            }
            """, cancel);
        var created = CliRunner.Run("grants", "create", "--config", config, "--name", "ci", "--server", "codex");
        Assert.Equal(0, created.ExitCode);
        var token = TokenIn(created.Output);
        await using var gateway = await ServedGateway.StartAsync(config, port, cancel);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await gateway.StatusOfAsync(token, null, Initialize, cancel));
        }

        var rotated = CliRunner.Run("grants", "rotate", "--config", config, "ci");
        Assert.Equal(0, rotated.ExitCode);
        await AssertRefusedWithinOneSecondAsync(gateway, token, cancel);
        var newToken = TokenIn(rotated.Output);
        Assert.Equal(HttpStatusCode.OK, await gateway.StatusOfAsync(newToken, null, Initialize, cancel));

        Assert.Equal(0, CliRunner.Run("grants", "revoke", "--config", config, "ci").ExitCode);
        await AssertRefusedWithinOneSecondAsync(gateway, newToken, cancel);
    }

    private static async Task AssertRefusedWithinOneSecondAsync(ServedGateway gateway, string token, CancellationToken cancel)
    {
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        while ((status = await gateway.StatusOfAsync(token, null, Initialize, cancel)) == HttpStatusCode.OK)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"Still accepted after {clock.Elapsed.TotalMilliseconds:F0} ms.");
            await Task.Delay(10, cancel);
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"Refused only after {clock.Elapsed.TotalMilliseconds:F0} ms.");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, await gateway.StatusOfAsync(token, null, Initialize, cancel));
        }
    }

    private static string TokenIn(string output) => TokenPattern().Match(output).Value;

    [GeneratedRegex("pcg_[A-Za-z0-9_-]{43}")]
    private static partial Regex TokenPattern();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
