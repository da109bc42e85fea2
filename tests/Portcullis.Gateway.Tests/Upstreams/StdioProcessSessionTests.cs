using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Tests.Upstreams;

/// <summary>How the end of a stdio upstream process is logged.</summary>
public sealed class StdioProcessSessionTests
{
    [Fact]
    public async Task DisposeAsync_ProcessStoppedWithItsSession_LogsInformationNotWarning()
    {
        var logger = new CapturingLogger<StdioProcessSessionTests>();
        var session = StdioProcessSession.Start(Server("/bin/cat"), logger);

        await session.DisposeAsync();

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Equal(3003, entry.EventId);
        Assert.Contains("'files'", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Completion_ProcessExitsOnItsOwn_LogsWarningWithExitCode()
    {
        var logger = new CapturingLogger<StdioProcessSessionTests>();
        await using var session = StdioProcessSession.Start(Server("/bin/sh", "-c", "exit 3"), logger);

        await session.Completion.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Equal(3001, entry.EventId);
        Assert.Contains("exited unexpectedly (exit code 3)", entry.Message, StringComparison.Ordinal);
    }

    private static UpstreamServerConfig Server(string command, params string[] arguments) => new()
    {
        Id = "files",
        Url = new Uri("stdio://files"),
        Command = command,
        Arguments = [.. arguments],
        PolicyText = """{"version": "1", "default": "allow"}""",
    };
}
