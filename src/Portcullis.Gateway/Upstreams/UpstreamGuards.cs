using System.Collections.Frozen;
using System.Net.Http;
using Polly;
using Polly.CircuitBreaker;
using Polly.RateLimiting;
using Polly.Timeout;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>
/// One resilience pipeline per upstream (Polly): a concurrency limit, a circuit breaker and an
/// answer deadline, so one server that hangs or fails costs its own callers a fast, precise
/// error and never slows the others. Time held for approval is outside: the deadline starts
/// when the request is sent.
/// </summary>
internal sealed class UpstreamGuards
{
    private readonly FrozenDictionary<string, ResiliencePipeline> _pipelines;

    public UpstreamGuards(IEnumerable<UpstreamServerConfig> servers, TimeProvider timeProvider)
    {
        _pipelines = servers.ToFrozenDictionary(s => s.Id, s => Build(s.Limits, timeProvider), StringComparer.Ordinal);
    }

    /// <summary>
    /// Runs <paramref name="send"/> (send a request and relay its answer) under the server's
    /// pipeline; null when it went well, otherwise why not. The client leaving is not a failure:
    /// its cancellation propagates.
    /// </summary>
    public async ValueTask<UpstreamFailure?> RunAsync(UpstreamServerConfig server, Func<CancellationToken, ValueTask> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        var pipeline = _pipelines.TryGetValue(server.Id, out var found) ? found : ResiliencePipeline.Empty;
        try
        {
            await pipeline.ExecuteAsync(static (send, token) => send(token), send, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (RateLimiterRejectedException)
        {
            return new UpstreamFailure(UpstreamFault.Busy, $"{server.Limits.MaxConcurrentCalls} calls in flight");
        }
        catch (BrokenCircuitException e)
        {
            // The detail is also the audit record's reason, so it says what refused the call, not only when it may pass.
            var retry = e.RetryAfter is { } after ? $"circuit open, retrying in {Math.Ceiling(after.TotalSeconds):0} s" : "circuit open";
            return new UpstreamFailure(UpstreamFault.CircuitOpen, retry);
        }
        catch (TimeoutRejectedException)
        {
            return new UpstreamFailure(UpstreamFault.TimedOut, $"no complete answer within {server.Limits.Timeout.TotalSeconds:0.###} s") { MayHaveRun = true };
        }
        catch (UpstreamStatusException e)
        {
            return new UpstreamFailure(UpstreamFault.Status, $"HTTP {e.StatusCode}") { StatusCode = e.StatusCode, MayHaveRun = true };
        }
        catch (UpstreamAnswerException e)
        {
            return new UpstreamFailure(e.Fault, e.Message) { MayHaveRun = true };
        }
        catch (HttpRequestException e)
        {
            // A connection that never opened cannot have run the call; one that broke may have.
            var notSent = e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError;
            return new UpstreamFailure(UpstreamFault.Unreachable, e.Message) { MayHaveRun = !notSent };
        }
        catch (IOException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new UpstreamFailure(UpstreamFault.Unreachable, "the connection broke mid-answer: " + e.Message) { MayHaveRun = true };
        }
    }

    private static ResiliencePipeline Build(UpstreamLimits limits, TimeProvider timeProvider)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        builder.AddConcurrencyLimiter(limits.MaxConcurrentCalls, queueLimit: 0);
        if (limits.CircuitBreaker is { } breaker)
        {
            builder.AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = breaker.FailureRatio,
                MinimumThroughput = breaker.MinimumThroughput,
                SamplingDuration = breaker.SamplingDuration,
                BreakDuration = breaker.BreakDuration,
                ShouldHandle = static args => ValueTask.FromResult(IsServerFault(args.Outcome.Exception)),
            });
        }

        builder.AddTimeout(limits.Timeout);
        return builder.Build();
    }

    /// <summary>Failures that are the server's doing; a 4xx status or the client leaving is not.</summary>
    private static bool IsServerFault(Exception? exception) => exception switch
    {
        null => false,
        UpstreamStatusException status => status.StatusCode >= 500 || status.StatusCode is 401 or 403,
        OperationCanceledException => false,
        _ => exception is HttpRequestException or IOException or UpstreamAnswerException or TimeoutRejectedException,
    };
}
