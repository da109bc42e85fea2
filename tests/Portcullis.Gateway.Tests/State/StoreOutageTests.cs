using Microsoft.Extensions.Logging;
using Portcullis.Gateway.State;

namespace Portcullis.Gateway.Tests.State;

public sealed class StoreOutageLoggingTests
{
    [Fact]
    public void AnOutage_IsLoggedOnceWhenItStarts_AndOnceWhenItEnds_HoweverManyCallsMeetIt()
    {
        var logger = new ListLogger();
        var outage = new StoreOutage("counter store", logger);

        outage.Succeeded();
        Parallel.For(0, 1000, _ => outage.Failed(new IOException("connection refused")));
        Assert.True(outage.IsDown);
        Parallel.For(0, 1000, _ => outage.Succeeded());
        outage.Failed(new IOException("again"));

        Assert.Equal(
        [
            "Error: The counter store is unavailable: connection refused. Logged once until it recovers.",
            "Information: The counter store is available again.",
            "Error: The counter store is unavailable: again. Logged once until it recovers.",
        ], logger.Lines);
    }

    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Lines)
            {
                Lines.Add($"{logLevel}: {formatter(state, exception)}");
            }
        }
    }
}
