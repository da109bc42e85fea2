using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Upstreams;
using Portcullis.Storage;

namespace Portcullis.Gateway.Hosting;

/// <summary>
/// <c>GET /readyz</c>: 200 when the stores answer and every upstream can be reached (an HTTP
/// upstream answers any HTTP status; a command upstream's program exists), 503 otherwise. The
/// answer names what failed by kind only — server ids are not told to callers without a grant —
/// and the details go to the log. A result is reused for two seconds, so probes cannot be turned
/// into a flood of requests to the upstreams.
/// </summary>
internal sealed class ReadinessProbe(GatewayConfig config, StoreSet state, UpstreamClients clients, TimeProvider timeProvider, ILogger<ReadinessProbe> logger)
    : IDisposable
{
    private static readonly TimeSpan s_reuse = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_upstreamTimeout = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _checking = new(1, 1);
    private (DateTimeOffset At, Readiness Result)? _last;

    public async Task<IResult> HandleAsync(CancellationToken cancellationToken)
    {
        var readiness = await CheckAsync(cancellationToken).ConfigureAwait(false);
        return Results.Json(new { status = readiness.Ready ? "ready" : "not ready", failing = readiness.Failing },
            statusCode: readiness.Ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
    }

    private async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        await _checking.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow();
            if (_last is { } last && now - last.At < s_reuse)
            {
                return last.Result;
            }

            var failing = new List<string>();
            if (await StoreProblemAsync(cancellationToken).ConfigureAwait(false) is { } storeProblem)
            {
                Log.NotReady(logger, "store", storeProblem);
                failing.Add("store");
            }

            var problems = await Task.WhenAll(config.Servers.Select(server => UpstreamProblemAsync(server, cancellationToken))).ConfigureAwait(false);
            foreach (var (server, problem) in config.Servers.Zip(problems).Where(pair => pair.Second is not null))
            {
                Log.NotReady(logger, $"upstream '{server.Id}'", problem!);
            }

            var unreachable = problems.Count(p => p is not null);
            if (unreachable > 0)
            {
                failing.Add($"upstreams: {unreachable} of {config.Servers.Length} unreachable");
            }

            var result = new Readiness(failing.Count == 0, failing);
            _last = (now, result);
            return result;
        }
        finally
        {
            _checking.Release();
        }
    }

    private async Task<string?> StoreProblemAsync(CancellationToken cancellationToken)
    {
        try
        {
            await state.Policies.LatestVersionsAsync(cancellationToken).ConfigureAwait(false);
            await state.Sessions.FindAsync("pcs_readiness_probe", timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (StoreUnavailableException e)
        {
            return e.Message;
        }
    }

    /// <summary>For each configured server, in order, why it cannot be reached now, or null when it can.</summary>
    public Task<string?[]> UpstreamProblemsAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(config.Servers.Select(server => UpstreamProblemAsync(server, cancellationToken)));

    private async Task<string?> UpstreamProblemAsync(UpstreamServerConfig server, CancellationToken cancellationToken)
    {
        if (server.Command is { } command)
        {
            return ProgramExists(command) ? null : $"the command '{command}' is not found";
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(s_upstreamTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, server.Url);
            request.Headers.Accept.ParseAdd("text/event-stream");
            using var response = await clients.For(server).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return e is OperationCanceledException ? $"no answer within {s_upstreamTimeout.TotalSeconds:0} s" : e.Message;
        }
    }

    private static bool ProgramExists(string command)
    {
        if (command.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            return File.Exists(command);
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Any(directory => File.Exists(Path.Combine(directory, command)));
    }

    public void Dispose() => _checking.Dispose();

    private sealed record Readiness(bool Ready, IReadOnlyList<string> Failing);
}
