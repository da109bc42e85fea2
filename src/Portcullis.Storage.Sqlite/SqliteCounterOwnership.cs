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
/// stopped while the file takes writes): at most the reservations of the last
/// <see cref="WriteInterval"/>. Where the lock cannot work (its file cannot be opened, or .NET's
/// file locking is switched off), reservations fail closed or go to the file: no process decides in
/// memory without the lock. The waits here are on real time, not the counters' clock: they
/// coordinate with other processes, which a test clock cannot move.
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
    private long _lastJoinFailedAt = long.MinValue;
    private StoreUnavailableException? _lastJoinError;

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
    /// <exception cref="StoreUnavailableException">
    /// Another process owns the counters and did not hand them over in time, the lock cannot be
    /// taken, or the store is closed.
    /// </exception>
    public async ValueTask<bool> OwnsAsync(CancellationToken cancellationToken)
    {
        ThrowIfClosed();
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

        var asked = Stopwatch.GetTimestamp();
        await _joining.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfClosed();
            // A join that failed while this caller waited answers it too, rather than each waiter waiting in turn.
            if (_mode == CounterMode.Undecided && Interlocked.Read(ref _lastJoinFailedAt) >= asked && _lastJoinError is { } failed)
            {
                throw new StoreUnavailableException(failed.Message, failed);
            }

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

    /// <summary>Refuses once the store is closed: a write in the file after the lock is let go could hide behind the next owner's memory.</summary>
    /// <exception cref="StoreUnavailableException">The store is closed.</exception>
    public void ThrowIfClosed()
    {
        if (_stopping.IsCancellationRequested)
        {
            throw new StoreUnavailableException("The SQLite counter store is closed.");
        }
    }

    /// <summary>Waits until a handover under way is complete.</summary>
    /// <exception cref="StoreUnavailableException">The owner's changes could not be written in time, or the store closed.</exception>
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

    /// <summary>
    /// Stops deciding, writes what is left (three tries), waits for the writes in the file already
    /// queued, and only then lets go of the lock, so no reservation of this process lands in the file
    /// behind the next owner's back.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _joining.WaitAsync().ConfigureAwait(false);
        try
        {
            await _owning.ConfigureAwait(false);
            Owned.Close();
            if (_mode == CounterMode.Undecided)
            {
                // Never reserved (a command that reads the stores): nothing to write, and no write at exit.
                return;
            }

            using var retry = new PeriodicTimer(WriteInterval);
            for (var attempt = 1; attempt <= 3 && !await TryWriteChangesAsync().ConfigureAwait(false); attempt++)
            {
                await retry.WaitForNextTickAsync().ConfigureAwait(false);
            }

            // Every write queued before this one has run; those queued after see the store closed.
            await _writes.WriteAsync(_ => true, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            // The file takes no writes: nothing more can be kept.
        }
        finally
        {
            _handedOver.TrySetException(new StoreUnavailableException("The SQLite counter store is closed."));
            _lock.Dispose();
            _joining.Release();
        }
    }

    private async Task JoinAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_lock.TryTakeExclusive() == LockAttempt.Taken)
            {
                if (_lock.IsEnforced())
                {
                    // A request left by a process that has since gone; one still waiting leaves it again.
                    _lock.ClearRequest();
                    _mode = CounterMode.Owner;
                    _owning = Task.Run(OwnAsync, CancellationToken.None);
                    return;
                }

                // File locking is off in this process: no process may own the counters on its word, so this one reserves in the file.
                _lock.Release();
            }
            else
            {
                await JoinSharedAsync(cancellationToken).ConfigureAwait(false);
            }

            _mode = CounterMode.InFile;
            _handedOver.TrySetResult();
        }
        catch (StoreUnavailableException e)
        {
            _lastJoinError = e;
            Interlocked.Exchange(ref _lastJoinFailedAt, Stopwatch.GetTimestamp());
            throw;
        }
    }

    /// <summary>Takes the lock shared, asking an exclusive holder to hand over, for up to the handover wait.</summary>
    /// <exception cref="StoreUnavailableException">The holder did not hand over in time, or the lock file cannot be opened.</exception>
    private async Task JoinSharedAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        using var retry = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
        while (true)
        {
            switch (_lock.TryTakeShared())
            {
                case LockAttempt.Taken:
                    return;
                case LockAttempt.Unusable:
                    // Unusable is only answered with the error that made it so.
                    var error = _lock.LastError!;
                    throw new StoreUnavailableException($"The SQLite store failed: its counters' lock file cannot be opened ({error.Message}).", error);
            }

            _lock.RequestHandover();
            if (waited.Elapsed > s_handoverWait)
            {
                throw new StoreUnavailableException(
                    $"The SQLite store failed: another process owns its counters and did not hand them over within {s_handoverWait.TotalSeconds:0} s.");
            }

            await retry.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
        }
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
            // Closing: the last changes are written there.
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
        while (true)
        {
            try
            {
                await JoinSharedAsync(_stopping.Token).ConfigureAwait(false);
                break;
            }
            catch (StoreUnavailableException)
            {
                // A third process took the lock exclusively in between (it hands over as this one did), or the lock file went: try again.
                await retry.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false);
            }
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
