using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Stdio;

namespace Portcullis.Gateway.Tests.Stdio;

/// <summary>
/// The stdio front keeps a held call's client waiting with progress at the configured heartbeat,
/// as the HTTP front does, and withdraws the hold when the client goes away.
/// </summary>
public sealed class StdioHeartbeatTests : IDisposable
{
    private const string Token = "stdio-heartbeat-token-0123456789abcdef";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-stdio-heartbeat-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact(Timeout = 30_000)]
    public async Task AHeldCall_GetsProgressAtTheConfiguredHeartbeat_AndIsWithdrawnWhenTheClientLeaves()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var recorder = await RecordingUpstream.StartAsync();
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = StoreConfig.Sqlite(Path.Combine(_directory, "state.db")),
            ApprovalHeartbeat = TimeSpan.FromMilliseconds(200),
            Servers = [new UpstreamServerConfig { Id = "held", Url = recorder.Url, PolicyText = """{"version": "1", "tools": {"echo": {"approval": {"timeout": "1m"}}}}""" }],
            Grants = [new GrantConfig { Name = "agent", Servers = ["held"], Token = Token }],
        };
        var output = new Pipe();
        var (gateway, problem) = await StdioGateway.CreateAsync(config, ConfiguredStores.OpenAsync, "held", Token, output.Writer.AsStream(), NullLoggerFactory.Instance, TimeProvider.System, cancel);
        Assert.Null(problem);
        await using var _ = gateway;
        var input = Channel.CreateUnbounded<string>();
        var running = gateway!.RunAsync(new ChannelReader(input.Reader), cancel);
        using var lines = new StreamReader(output.Reader.AsStream());

        await input.Writer.WriteAsync(GatewayFixture.Initialize.Trim(), cancel);
        await input.Writer.WriteAsync("""{"jsonrpc":"2.0","method":"notifications/initialized"}""", cancel);
        await input.Writer.WriteAsync("""{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{},"_meta":{"progressToken":"p1"}}}""", cancel);
        var started = DateTime.UtcNow;
        var progress = 0;
        while (progress < 2 && await lines.ReadLineAsync(cancel) is { } line)
        {
            progress += line.Contains("notifications/progress", StringComparison.Ordinal) ? 1 : 0;
        }

        var waited = DateTime.UtcNow - started;
        input.Writer.Complete();
        await running.WaitAsync(TimeSpan.FromSeconds(10), cancel);
        var approvals = await new Portcullis.Storage.Sqlite.SqliteApprovalStore(Path.Combine(_directory, "state.db")).ListAsync(status: null, limit: 10, cancel);

        Assert.Equal(2, progress);
        Assert.True(waited < TimeSpan.FromSeconds(5), $"two progress notifications took {waited.TotalSeconds:0.0} s with a 200 ms heartbeat");
        Assert.Equal("withdrawn", Assert.Single(approvals).Status);
        Assert.DoesNotContain(recorder.Requests, r => r.Body.Contains("\"tools/call\"", StringComparison.Ordinal));
    }

    /// <summary>A reader whose lines arrive when the test writes them, as a client's standard input does.</summary>
    private sealed class ChannelReader(ChannelReader<string> lines) : TextReader
    {
        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            return await lines.WaitToReadAsync(cancellationToken) && lines.TryRead(out var line) ? line : null;
        }
    }
}
