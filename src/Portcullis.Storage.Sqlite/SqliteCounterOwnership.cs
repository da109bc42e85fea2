using System.Diagnostics;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Whether this process decides a SQLite file's fixed-window counters in memory or in the file, and
/// the owner's duties. The first reservation decides: the process that takes
/// <see cref="SqliteCounterLock"/> exclusively owns the counters (<see cref="OwnedCounters"/>), and
/// writes their changes to the file every <see cref="WriteInterval"/> in one transaction; any other
/// process takes the lock shared and reserves in the file, one conditional write per reservation.
/// When a second process arrives, the owner stops deciding, writes what is left, and takes the lock
/// shared like the newcomer: from then on both reserve in the file, and a limit stays exact
/// across them. A process never becomes the owner again once it reserved in the file.
/// </summary>
/// <remarks>
/// What the owner decided and had not written yet is lost if the process is killed (not if it is
/// stopped): at most the reservations of the last <see cref="WriteInterval"/>. The waits here are
/// on real time, not the counters' clock: they coordinate with other processes, which a test clock
/// cannot move.
/// </remarks>
internal sealed class SqliteCounterOwnership : IAsyncDisposable
{
    /// <summary>How often the owner writes its counters' changes and looks for a handover request.</summary>
    public static readonly TimeSpan WriteInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a newcomer waits for the owner to hand over, as long as SQLite waits for a lock.</summary>
    private static readonly TimeSpan s_handoverWait = TimeSpan.FromSeconds(5);

    private const string ApplyChange = """
        INSERT INTO counters (key, value, window_end) VALUES ($key, max($delta, 0), $windowEnd)
        ON CONFLICT(key) DO UPDATE SET value = max(0, counters.value + $delta)
        """;

    private readonly SqliteCounterLock _lock;
    private readonly SqliteWriteQueue _writes;
    private readonly SqliteCounterSweep _sweep;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _joining = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _handedOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile CounterMode _mode;
    private Task _owning = Task.CompletedTask;

    public SqliteCounterOwnership(string databasePath, SqliteWriteQueue writes, SqliteCounterSweep sweep, TimeProvider timeProvider)
    {
        _lock = new SqliteCounterLock(databasePath);
        _writes = writes;
        _sweep = sweep;
        _timeProvider = timeProvider;
    }

    /// <summary>Why the counters' changes could not be written last time.</summary>
    public StoreUnavailableException? LastWriteError { get; private set; }

    /// <summary>The counters this process decides while it owns them.</summary>
    public OwnedCounters Owned { get; } = new();

    /// <summary>
    /// Whether this process owns the counters, deciding on the first call. A handover under way is
    /// waited for (and answers false).
    /// </summary>
    /// <exception cref="StoreUnavailableException">Another process owns the counters and did not hand them over in time.</exception>
    public async ValueTask<bool> OwnsAsync(CancellationToken cancellationToken)
    {
        switch (_mode)
        {
            case CounterMode.Owner:
                return true;
            case CounterMode.InFile:
                return false;
            case CounterMode.HandingOver:
                await WaitForHandoverAsync(cancellationToken).ConfigureAwait(false);
                return false;
        }

        await _joining.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_mode == CounterMode.Undecided)
            {
                await JoinAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _joining.Release();
        }

        return await OwnsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until a handover under way is complete.</summary>
    /// <exception cref="StoreUnavailableException">The owner's changes could not be written in time.</exception>
    public async Task WaitForHandoverAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _handedOver.Task.WaitAsync(s_handoverWait, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new StoreUnavailableException("The SQLite store failed: this process's counters could not be written to the file to share them with another process.", e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _owning.ConfigureAwait(false);
        if (_mode == CounterMode.Owner)
        {
            Owned.Close();
            await TryWriteChangesAsync().ConfigureAwait(false);
        }

        _lock.Dispose();
        _joining.Dispose();
        _stopping.Dispose();
    }

    private async Task JoinAsync(CancellationToken cancellationToken)
    {
        switch (_lock.TryTakeExclusive())
        {
            case LockAttempt.Taken:
                // A request left by a process that has since gone; one still waiting leaves it again.
                _lock.ClearRequest();
                _mode = CounterMode.Owner;
                _owning = Task.Run(OwnAsync, CancellationToken.None);
                return;
            case LockAttempt.Unusable:
                // Nobody can take the lock, so nobody owns the counters: everyone reserves in the file.
                _mode = CounterMode.InFile;
                _handedOver.TrySetResult();
                return;
        }

        if (!await JoinSharedAsync(cancellationToken).ConfigureAwait(false))
        {
            throw new StoreUnavailableException(
                $"The SQLite store failed: another process owns its counters and did not hand them over within {s_handoverWait.TotalSeconds:0} s.");
        }

        _mode = CounterMode.InFile;
        _handedOver.TrySetResult();
    }

    /// <summary>Takes the lock shared, asking an exclusive holder to hand over, for up to the handover wait.</summary>
    private async Task<bool> JoinSharedAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        using var retry = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (_lock.TryTakeShared() == LockAttempt.HeldElsewhere)
        {
            _lock.RequestHandover();
            if (waited.Elapsed > s_handoverWait || !await retry.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The owner's loop: write the changes, forget ended counters, and hand over when asked.</summary>
    private async Task OwnAsync()
    {
        using var tick = new PeriodicTimer(WriteInterval);
        try
        {
            while (await tick.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (_lock.HandoverRequested)
                {
                    await HandOverAsync().ConfigureAwait(false);
                    return;
                }

                await TryWriteChangesAsync().ConfigureAwait(false);
                Owned.ForgetEnded(_timeProvider.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed: the last changes are written there.
        }
    }

    private async Task HandOverAsync()
    {
        _mode = CounterMode.HandingOver;
        Owned.Close();
        using var retry = new PeriodicTimer(WriteInterval);
        // Nothing may be decided in the file before every change made here is in it.
        while (!await TryWriteChangesAsync().ConfigureAwait(false))
        {
            await retry.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false);
        }

        _lock.Release();
        while (!await JoinSharedAsync(_stopping.Token).ConfigureAwait(false))
        {
            // A third process took the lock exclusively in between: it hands over as this one did.
        }

        _lock.ClearRequest();
        _mode = CounterMode.InFile;
        _handedOver.TrySetResult();
    }

    /// <summary>
    /// Writes what the counters gained or lost since last time (and sweeps ended counters when that
    /// is due), in one transaction; false, and kept for the next try, if the file could not take it.
    /// </summary>
    private async Task<bool> TryWriteChangesAsync()
    {
        var changes = Owned.TakeChanges();
        var sweepAt = _sweep.Due();
        if (changes.Count == 0 && sweepAt is null)
        {
            Owned.Written();
            return true;
        }

        try
        {
            await _writes.WriteAsync(batch =>
            {
                SqliteCounterSweep.Run(batch, sweepAt);
                foreach (var change in changes)
                {
                    var command = batch.Command(ApplyChange);
                    command.Parameters.AddWithValue("$key", change.Key);
                    command.Parameters.AddWithValue("$delta", change.Delta);
                    command.Parameters.AddWithValue("$windowEnd", change.WindowEnd.ToUnixTimeMilliseconds());
                    command.ExecuteNonQuery();
                }

                return changes.Count;
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Whatever the failure, the changes are kept and nothing is decided until they are written.
            LastWriteError = e as StoreUnavailableException ?? new StoreUnavailableException($"The SQLite store failed: {e.Message}", e);
            Owned.WriteFailed(changes);
            return false;
        }

        Owned.Written();
        return true;
    }

    private enum CounterMode
    {
        Undecided,
        Owner,
        HandingOver,
        InFile,
    }
}
