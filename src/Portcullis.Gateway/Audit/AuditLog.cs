using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// The audit log of one writer (a gateway process or one CLI command): links every record into
/// this writer's hash chain, in the order recorded, and hands it to each sink's queue. Callers
/// wait only for the queue (a full queue makes them wait, it never drops). A checkpoint follows
/// every <see cref="AuditConfig.CheckpointEvery"/> records and ends the chain when the log is
/// disposed, after everything queued has been written or spilled.
/// </summary>
internal sealed class AuditLog : IAsyncDisposable
{
    private readonly AuditChain _chain;
    private readonly AuditSinkPump[] _pumps;
    private readonly byte[] _key;
    private readonly int _checkpointEvery;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _order = new(1, 1);
    private bool _disposed;

    /// <summary>Starts a chain for <paramref name="role"/> (e.g. <c>gateway</c>, <c>cli</c>) writing to <paramref name="sinks"/>.</summary>
    public AuditLog(IEnumerable<IAuditSink> sinks, AuditConfig config, string spillDirectory, string role, TimeProvider timeProvider, ILogger<AuditLog> logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.UnsetCheckpointKey is { } unset)
        {
            // Records written now would carry unsigned checkpoints that verification later calls forged.
            throw new InvalidOperationException($"Audit records cannot be written: {unset}");
        }

        _chain = new AuditChain(AuditChain.NewId(role));
        _key = config.CheckpointKey is { } key ? System.Text.Encoding.UTF8.GetBytes(key) : [];
        _checkpointEvery = config.CheckpointEvery;
        _timeProvider = timeProvider;
        _pumps = [.. sinks.Select(sink => new AuditSinkPump(sink, spillDirectory, _chain.Id, timeProvider, logger))];
    }

    /// <summary>Told of every record once it is queued, outside the log's lock (the gateway's metrics count decisions from it).</summary>
    public Action<AuditRecord>? Recorded { get; init; }

    /// <summary>This writer's chain id.</summary>
    public string ChainId => _chain.Id;

    /// <summary>Records not yet written (or spilled) by every sink.</summary>
    public long Pending => _pumps.Sum(p => p.Pending);

    /// <summary>Whether some sink is down and its records wait in a spill file.</summary>
    public bool Spilling => _pumps.Any(p => p.Spilling);

    /// <summary>
    /// Whether a record given now would be kept: false once the log is closed, or while some sink
    /// can keep records neither itself nor in its spill file. A call is not forwarded then.
    /// </summary>
    public bool Accepting => !Volatile.Read(ref _disposed) && !_pumps.Any(p => p.Failing);

    /// <summary>Links <paramref name="draft"/> into the chain and queues it for every sink. Its time is now unless set.</summary>
    public async ValueTask RecordAsync(AuditRecord draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        AuditRecord appended;
        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var now = _timeProvider.GetUtcNow();
            appended = _chain.Append(draft.Time == default ? draft with { Time = now } : draft);
            await EnqueueAsync(appended).ConfigureAwait(false);
            if (_checkpointEvery > 0 && _chain.Count % _checkpointEvery == _checkpointEvery - 1)
            {
                await EnqueueAsync(_chain.AppendCheckpoint(now, _key)).ConfigureAwait(false);
            }
        }
        finally
        {
            _order.Release();
        }

        Recorded?.Invoke(appended);
    }

    /// <summary>Waits until every queued record has been written or spilled.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        // Records may reach one sink's queue while another is awaited: wait until all are idle at once.
        while (Pending > 0)
        {
            foreach (var pump in _pumps)
            {
                await pump.WhenIdleAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Ends the chain with a checkpoint and writes (or spills) everything queued.</summary>
    public async ValueTask DisposeAsync()
    {
        await _order.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            if (_chain.Count > 0)
            {
                await EnqueueAsync(_chain.AppendCheckpoint(_timeProvider.GetUtcNow(), _key)).ConfigureAwait(false);
            }

            _disposed = true;
        }
        finally
        {
            _order.Release();
        }

        foreach (var pump in _pumps)
        {
            await pump.DisposeAsync().ConfigureAwait(false);
        }

        _order.Dispose();
    }

    private async ValueTask EnqueueAsync(AuditRecord record)
    {
        foreach (var pump in _pumps)
        {
            await pump.EnqueueAsync(record).ConfigureAwait(false);
        }
    }
}
