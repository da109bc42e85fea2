using System.Diagnostics;

namespace Portcullis.LoadTest;

/// <summary>What one load run measured.</summary>
/// <param name="StoppedAtDeadline">The run's hard deadline cut it short (not the planned duration of a timed run).</param>
internal sealed record LoadResult(int Clients, int Calls, int Errors, double Seconds, bool StoppedAtDeadline, double P50Ms, double P90Ms, double P99Ms)
{
    public double CallsPerSecond => Calls / Seconds;
}

/// <summary>
/// N clients with open sessions that, once all are ready, each call back to back until they have
/// made their calls or the run's duration has passed (the call under way finishes), whichever
/// comes first; a hard deadline stops them in any case. Opening the sessions before the timed
/// part and ending them after it lets a caller measure only the calls (CPU, allocations).
/// </summary>
internal sealed class LoadRun : IAsyncDisposable
{
    private readonly SocketsHttpHandler _handler;
    private readonly HttpClient _http;
    private readonly McpLoadClient[] _agents;
    private readonly LoadTarget _target;

    private LoadRun(LoadTarget target, int clients)
    {
        _target = target;
        _handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        _http = new HttpClient(_handler) { Timeout = TimeSpan.FromSeconds(30) };
        _agents = Enumerable.Range(0, clients).Select(_ => new McpLoadClient(_http, target)).ToArray();
    }

    /// <summary>Opens one session per client.</summary>
    public static async Task<LoadRun> OpenAsync(LoadTarget target, int clients, CancellationToken cancellationToken)
    {
        var run = new LoadRun(target, clients);
        try
        {
            await Task.WhenAll(run._agents.Select(agent => agent.InitializeAsync(cancellationToken)));
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens the sessions, runs, and ends them.</summary>
    public static async Task<LoadResult> RunOnceAsync(LoadTarget target, int clients, int callsPerClient, TimeSpan duration, TimeSpan deadline,
        CancellationToken cancellationToken)
    {
        await using var run = await OpenAsync(target, clients, cancellationToken);
        return await run.RunAsync(callsPerClient, duration, deadline, cancellationToken);
    }

    public async Task<LoadResult> RunAsync(int callsPerClient, TimeSpan duration, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var clients = _agents.Length;
        var latencies = new long[clients][];
        var errors = new int[clients];
        string? firstError = null;
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(deadline);
        var workers = _agents.Select((agent, index) => Task.Run(async () =>
        {
            var mine = new List<long>(Math.Min(callsPerClient, 100_000));
            for (var i = 0; i < callsPerClient && !stop.IsCancellationRequested && Stopwatch.GetElapsedTime(started) < duration; i++)
            {
                var before = Stopwatch.GetTimestamp();
                string? problem;
                try
                {
                    problem = await agent.CallEchoAsync(stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (HttpRequestException e)
                {
                    problem = e.Message;
                }

                mine.Add(Stopwatch.GetTimestamp() - before);
                if (problem is not null)
                {
                    errors[index]++;
                    Interlocked.CompareExchange(ref firstError, problem, null);
                }
            }

            latencies[index] = [.. mine];
        }, CancellationToken.None)).ToArray();
        await Task.WhenAll(workers);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();

        var all = latencies.SelectMany(l => l).ToArray();
        Array.Sort(all);
        var errorCount = errors.Sum();
        if (errorCount > 0)
        {
            throw new InvalidOperationException($"{errorCount} of {all.Length} calls to {_target.Endpoint} failed; the first: {firstError}");
        }

        return new LoadResult(clients, all.Length, errorCount, seconds, stop.IsCancellationRequested,
            Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99));
    }

    /// <summary>Ends every session (a stdio upstream's process ends with it), then closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await Task.WhenAll(_agents.Select(agent => agent.EndAsync(timeout.Token)));
        }
        finally
        {
            _http.Dispose();
            _handler.Dispose();
        }
    }

    /// <summary>Nearest-rank percentile of sorted Stopwatch tick counts, in milliseconds.</summary>
    private static double Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
}
