using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.State;
using Portcullis.Storage;
using Portcullis.Storage.Audit;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// Feeds one sink from its own queue, in batches. While the sink is down, batches are appended
/// to a spill file (flushed to disk) in order; once the sink answers again, the spill file is
/// replayed before anything newer, then deleted. Spill files left by a process that died are
/// replayed too (a live writer holds its spill file open exclusively, so it is never taken).
/// </summary>
internal sealed class AuditSinkPump : IAsyncDisposable
{
    private const int BatchSize = 500;
    private static readonly TimeSpan s_retryInterval = TimeSpan.FromSeconds(1);

    private readonly IAuditSink _sink;
    private readonly string _spillDirectory;
    private readonly string _spillPath;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly StoreOutage _outage;
    private readonly Channel<AuditRecord> _queue = Channel.CreateBounded<AuditRecord>(
        new BoundedChannelOptions(50_000) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Task _run;
    private FileStream? _spill;
    private bool _failing;
    private DateTimeOffset _nextRetry;
    private long _pending;
    private readonly Lock _idleLock = new();
    private TaskCompletionSource? _idle;

    public AuditSinkPump(IAuditSink sink, string spillDirectory, string chainId, TimeProvider timeProvider, ILogger logger)
    {
        _sink = sink;
        _spillDirectory = spillDirectory;
        _spillPath = Path.Combine(spillDirectory, $"{sink.Name}-{Sanitize(chainId)}.spill.jsonl");
        _timeProvider = timeProvider;
        _logger = logger;
        _outage = new StoreOutage($"audit sink '{sink.Name}'", logger);
        _run = Task.Run(RunAsync);
    }

    /// <summary>Records queued or being written.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Whether records are waiting in a spill file.</summary>
    public bool Spilling => _spill is not null;

    /// <summary>Whether the last batch could be kept neither by the sink nor by its spill file: records only wait in memory.</summary>
    public bool Failing => Volatile.Read(ref _failing);

    /// <summary>Completes once nothing is queued or being written (at once when nothing is).</summary>
    public Task WhenIdleAsync(CancellationToken cancellationToken)
    {
        lock (_idleLock)
        {
            if (Pending == 0)
            {
                return Task.CompletedTask;
            }

            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task.WaitAsync(cancellationToken);
        }
    }

    public ValueTask EnqueueAsync(AuditRecord record)
    {
        Interlocked.Increment(ref _pending);
        return _queue.Writer.WriteAsync(record);
    }

    /// <summary>Writes everything queued (to the sink, or to the spill file when it is down) and stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _run.ConfigureAwait(false);
        if (_spill is not null)
        {
            Log.AuditSpillLeft(_logger, _sink.Name, _spillPath);
            await _spill.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task RunAsync()
    {
        await ReplayOrphansAsync().ConfigureAwait(false);
        var batch = new List<AuditRecord>(BatchSize);
        var reader = _queue.Reader;
        while (true)
        {
            var waiting = reader.WaitToReadAsync().AsTask();
            if (_spill is not null && await Task.WhenAny(waiting, Task.Delay(s_retryInterval, _timeProvider)).ConfigureAwait(false) != waiting)
            {
                // Nothing new, but records wait in the spill file: try the sink again.
                await TryReplayAsync().ConfigureAwait(false);
                continue;
            }

            if (!await waiting.ConfigureAwait(false))
            {
                break;
            }

            while (batch.Count < BatchSize && reader.TryRead(out var record))
            {
                batch.Add(record);
            }

            await WriteUntilKeptAsync(batch).ConfigureAwait(false);
            if (Interlocked.Add(ref _pending, -batch.Count) == 0)
            {
                SignalIdle();
            }

            batch.Clear();
        }

        if (_spill is not null)
        {
            _nextRetry = DateTimeOffset.MinValue;
            await TryReplayAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Wakes those waiting in <see cref="WhenIdleAsync"/>, unless records were queued again meanwhile.</summary>
    private void SignalIdle()
    {
        lock (_idleLock)
        {
            if (Pending == 0 && _idle is { } idle)
            {
                _idle = null;
                idle.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Writes a batch to the sink or its spill file, retrying while neither can take it (sink down
    /// and spill disk full): the queue then fills and callers wait, rather than records being lost.
    /// </summary>
    private async Task WriteUntilKeptAsync(List<AuditRecord> batch)
    {
        while (true)
        {
            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
                Volatile.Write(ref _failing, false);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Volatile.Write(ref _failing, true);
                Log.AuditSpillFailed(_logger, _sink.Name, _spillPath, e.Message);
                if (_spill is not null)
                {
                    await _spill.DisposeAsync().ConfigureAwait(false);
                    _spill = null;
                }

                await Task.Delay(s_retryInterval, _timeProvider).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteAsync(List<AuditRecord> batch)
    {
        if (_spill is not null && !await TryReplayAsync().ConfigureAwait(false))
        {
            await SpillAsync(batch).ConfigureAwait(false);
            return;
        }

        try
        {
            await _sink.WriteAsync(batch).ConfigureAwait(false);
            _outage.Succeeded();
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            _nextRetry = _timeProvider.GetUtcNow() + s_retryInterval;
            await SpillAsync(batch).ConfigureAwait(false);
        }
    }

    private async Task SpillAsync(List<AuditRecord> batch)
    {
        Directory.CreateDirectory(_spillDirectory);
        _spill ??= new FileStream(_spillPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var text = new StringBuilder();
        foreach (var record in batch)
        {
            text.Append(AuditCanonicalForm.Serialize(record)).Append('\n');
        }

        _spill.Seek(0, SeekOrigin.End);
        await _spill.WriteAsync(Encoding.UTF8.GetBytes(text.ToString())).ConfigureAwait(false);
        _spill.Flush(flushToDisk: true);
    }

    /// <summary>Writes this pump's spill file to the sink and deletes it; false while the sink is still down.</summary>
    private async Task<bool> TryReplayAsync()
    {
        if (_spill is null)
        {
            return true;
        }

        if (_timeProvider.GetUtcNow() < _nextRetry)
        {
            return false;
        }

        _spill.Seek(0, SeekOrigin.Begin);
        if (!await ReplayAsync(_spill).ConfigureAwait(false))
        {
            return false;
        }

        await _spill.DisposeAsync().ConfigureAwait(false);
        _spill = null;
        File.Delete(_spillPath);
        Log.AuditSpillReplayed(_logger, _sink.Name);
        return true;
    }

    private async Task ReplayOrphansAsync()
    {
        if (!Directory.Exists(_spillDirectory))
        {
            return;
        }

        foreach (var path in Directory.GetFiles(_spillDirectory, $"{_sink.Name}-*.spill.jsonl"))
        {
            FileStream orphan;
            try
            {
                orphan = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None);
            }
            catch (IOException)
            {
                continue; // A running writer's own spill file.
            }

            bool replayed;
            await using (orphan.ConfigureAwait(false))
            {
                replayed = await ReplayAsync(orphan).ConfigureAwait(false);
            }

            if (replayed)
            {
                File.Delete(path);
                Log.AuditSpillReplayed(_logger, _sink.Name);
            }
        }
    }

    private async Task<bool> ReplayAsync(Stream spill)
    {
        try
        {
            using var reader = new StreamReader(spill, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
            var batch = new List<AuditRecord>(BatchSize);
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Length == 0)
                {
                    continue;
                }

                batch.Add(AuditCanonicalForm.Parse(line));
                if (batch.Count == BatchSize)
                {
                    await _sink.WriteAsync(batch).ConfigureAwait(false);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                await _sink.WriteAsync(batch).ConfigureAwait(false);
            }

            _outage.Succeeded();
            return true;
        }
        catch (StoreUnavailableException e)
        {
            _outage.Failed(e);
            _nextRetry = _timeProvider.GetUtcNow() + s_retryInterval;
            return false;
        }
    }

    private static string Sanitize(string chainId) =>
        string.Concat(chainId.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
}
