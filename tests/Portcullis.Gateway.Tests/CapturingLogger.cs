using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway.Tests;

/// <summary>A logger that keeps every entry, for tests that assert what was logged.</summary>
internal sealed class CapturingLogger<T> : ILogger<T>
{
    private readonly List<CapturedLog> _entries = [];

    public IReadOnlyList<CapturedLog> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IReadOnlyList<string> Messages => [.. Entries.Select(e => e.Message)];

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add(new CapturedLog(logLevel, eventId.Id, formatter(state, exception)));
        }
    }
}

/// <summary>One captured log entry.</summary>
internal sealed record CapturedLog(LogLevel Level, int EventId, string Message);
