using System.Diagnostics;

namespace Portcullis.LoadTest;

/// <summary>What one load run measured.</summary>
internal sealed record LoadResult(int Clients, int Calls, int Errors, double Seconds, bool StoppedAtDeadline, double P50Ms, double P90Ms, double P99Ms)
{
    public double CallsPerSecond => Calls / Seconds;
}

/// <summary>
/// N clients initialise, wait for each other, then each runs a fixed number of calls back to back.
/// Bounded twice: by the call count and by a deadline after which clients stop.
/// </summary>
internal static class LoadRun
{
    public static async Task<LoadResult> RunAsync(Uri endpoint, string? token, int clients, int callsPerClient, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            UseCookies = false,
            UseProxy = false,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        var agents = Enumerable.Range(0, clients).Select(_ => new McpLoadClient(http, endpoint, token)).ToArray();
        await Task.WhenAll(agents.Select(agent => agent.InitializeAsync(cancellationToken)));

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var latencies = new long[clients][];
        var errors = new int[clients];
        string? firstError = null;
        var started = Stopwatch.GetTimestamp();
        stop.CancelAfter(deadline);
        var workers = agents.Select((agent, index) => Task.Run(async () =>
        {
            var mine = new List<long>(callsPerClient);
            for (var i = 0; i < callsPerClient && !stop.IsCancellationRequested; i++)
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
            throw new InvalidOperationException($"{errorCount} of {all.Length} calls to {endpoint} failed; the first: {firstError}");
        }

        return new LoadResult(clients, all.Length, errorCount, seconds, all.Length < clients * callsPerClient,
            Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99));
    }

    /// <summary>Nearest-rank percentile of sorted Stopwatch tick counts, in milliseconds.</summary>
    private static double Percentile(long[] sorted, double quantile) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
}
