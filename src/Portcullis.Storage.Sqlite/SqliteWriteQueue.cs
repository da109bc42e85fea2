using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Portcullis.Storage.Sqlite;

/// <summary>
/// The writes one process makes to a SQLite file on the request path (counter reservations and
/// their rollbacks, audit batches), run in batches: every write queued while a batch runs goes into
/// the next, and a batch is one write transaction on one connection. So the writers of one process
/// never wait on each other for the file's write lock (SQLite's busy handler waits by sleeping, a
/// millisecond at least), a commit is shared by every write in its batch, and statements are
/// prepared once per connection rather than once per write. Other processes on the file take
/// the write lock between batches, as before; each write's result is returned only after its batch
/// committed, so a crash loses nothing that was answered.
/// </summary>
/// <remarks>
/// Nobody waits on a dedicated thread: the writer that finds no batch running runs the batches
/// itself until its own write is done, then hands what is left to a thread-pool thread. A write
/// that fails fails alone: its batch is rolled back and each of its writes run in its own
/// transaction. The connection and prepared statements of one run are kept for the next (opening
/// and preparing them anew cost more than the inserts of a small batch) until the queue is
/// disposed; a run that failed starts the next on a fresh connection.
/// </remarks>
internal sealed class SqliteWriteQueue(string connectionString) : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private readonly ConcurrentQueue<PendingWrite> _pending = new();
    private readonly Lock _keptLock = new();
    private int _draining;
    private SqliteBatch? _kept;
    private bool _disposed;

    /// <summary>
    /// Runs <paramref name="write"/> inside a write transaction shared with the other writes queued
    /// beside it, and returns its result once that transaction committed. The token is honoured
    /// until the write starts; after that the write completes, so a caller never loses track of a
    /// write that was made.
    /// </summary>
    /// <exception cref="StoreUnavailableException">The file could not take the write.</exception>
    public Task<T> WriteAsync<T>(Func<SqliteBatch, T> write, CancellationToken cancellationToken)
    {
        var pending = new PendingWrite<T>(write, cancellationToken);
        _pending.Enqueue(pending);
        if (Interlocked.CompareExchange(ref _draining, 1, 0) == 0)
        {
            Drain(pending);
        }

        return pending.Task;
    }

    /// <summary>Runs batches while writes are queued; the caller holds the draining flag and passes it on or releases it.</summary>
    private void Drain(PendingWrite? own)
    {
        while (true)
        {
            var batch = TakeKept() ?? new SqliteBatch(connectionString);
            try
            {
                do
                {
                    batch = OnCurrentFile(batch);
                    if (!Run(batch, Take()))
                    {
                        // Whatever failed, the next write starts on a fresh connection.
                        batch.Dispose();
                        batch = new SqliteBatch(connectionString);
                    }
                }
                while (!_pending.IsEmpty && own is not { IsCompleted: true });
            }
            finally
            {
                Keep(batch);
            }

            if (!_pending.IsEmpty)
            {
                // The caller's own write is done; the rest is another thread's work, so this request goes on.
                ThreadPool.UnsafeQueueUserWorkItem(static queue => queue.Drain(null), this, preferLocal: false);
                return;
            }

            Volatile.Write(ref _draining, 0);
            // A write queued between the emptiness check and the release found the flag still set and left itself to us.
            if (_pending.IsEmpty || Interlocked.CompareExchange(ref _draining, 1, 0) != 0)
            {
                return;
            }

            own = null;
        }
    }

    /// <summary>Closes the kept connection; writes made later still run, each run on a connection of its own.</summary>
    public ValueTask DisposeAsync()
    {
        SqliteBatch? kept;
        lock (_keptLock)
        {
            _disposed = true;
            kept = _kept;
            _kept = null;
        }

        kept?.Dispose();
        return ValueTask.CompletedTask;
    }

    private SqliteBatch? TakeKept()
    {
        lock (_keptLock)
        {
            var kept = _kept;
            _kept = null;
            return kept;
        }
    }

    /// <summary>
    /// The batch, or a new one when the file its connection has open was moved away or deleted
    /// (writes then go to the file now at the path rather than to one nobody reads), or when that
    /// cannot be told (a connection that cannot notice a replaced file is not used for long).
    /// </summary>
    private SqliteBatch OnCurrentFile(SqliteBatch batch)
    {
        switch (FileMoved(batch))
        {
            case false:
                return batch;
            case true:
                // Its idle siblings in the pool point at the same file: the pool goes with it.
                batch.Discard();
                break;
        }

        batch.Dispose();
        return new SqliteBatch(connectionString);
    }

    /// <summary>Whether the batch's file moved; null when that cannot be told, or the check itself failed.</summary>
    private static bool? FileMoved(SqliteBatch batch)
    {
        try
        {
            return batch.FileMoved;
        }
        catch (Exception)
        {
            // Whatever went wrong with the old connection, the queue must go on: it is not used again.
            return null;
        }
    }

    /// <summary>Keeps a run's connection for the next run (which checks its file first), unless the queue was disposed meanwhile.</summary>
    private void Keep(SqliteBatch batch)
    {
        lock (_keptLock)
        {
            if (!_disposed && _kept is null)
            {
                _kept = batch;
                return;
            }
        }

        batch.Dispose();
    }

    private List<PendingWrite> Take()
    {
        var writes = new List<PendingWrite>(Math.Min(_pending.Count, MaxBatch));
        while (writes.Count < MaxBatch && _pending.TryDequeue(out var write))
        {
            if (!write.CancelIfRequested())
            {
                writes.Add(write);
            }
        }

        return writes;
    }

    /// <summary>Runs one batch; false when any of its writes failed.</summary>
    private static bool Run(SqliteBatch batch, List<PendingWrite> writes)
    {
        if (writes.Count == 0)
        {
            return true;
        }

        try
        {
            batch.Begin();
        }
        catch (Exception e)
        {
            // The lock stayed taken past the busy timeout, or the file is not usable: no write of this batch can be made.
            writes.ForEach(write => write.Fail(e));
            return false;
        }

        try
        {
            writes.ForEach(write => write.Run(batch));
            batch.Commit();
        }
        catch (Exception e)
        {
            batch.RollBack();
            if (writes.Count == 1)
            {
                writes[0].Fail(e);
                return false;
            }

            // Undone together; now each alone, so only a write that fails again reports a failure.
            return RunEachAlone(batch, writes);
        }

        writes.ForEach(write => write.Complete());
        return true;
    }

    /// <summary>Runs each write in its own transaction; once one cannot even begin (the lock stays taken), the rest fail with it rather than wait in turn.</summary>
    private static bool RunEachAlone(SqliteBatch batch, List<PendingWrite> writes)
    {
        var succeeded = true;
        for (var i = 0; i < writes.Count; i++)
        {
            try
            {
                batch.Begin();
            }
            catch (Exception e)
            {
                writes.Skip(i).ToList().ForEach(write => write.Fail(e));
                return false;
            }

            try
            {
                writes[i].Run(batch);
                batch.Commit();
                writes[i].Complete();
            }
            catch (Exception e)
            {
                batch.RollBack();
                writes[i].Fail(e);
                succeeded = false;
            }
        }

        return succeeded;
    }

    private abstract class PendingWrite
    {
        public abstract bool IsCompleted { get; }

        /// <summary>Completes the write as cancelled if its caller gave up before it started.</summary>
        public abstract bool CancelIfRequested();

        /// <summary>Makes the write; its result is kept until the transaction commits.</summary>
        public abstract void Run(SqliteBatch batch);

        public abstract void Complete();

        public abstract void Fail(Exception error);
    }

    private sealed class PendingWrite<T>(Func<SqliteBatch, T> write, CancellationToken cancellationToken) : PendingWrite
    {
        // Continuations run on the pool, not on the thread running the batches.
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override bool IsCompleted => _completion.Task.IsCompleted;

        public override bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);

        public override void Run(SqliteBatch batch) => _result = write(batch);

        public override void Complete() => _completion.TrySetResult(_result!);

        // Whatever failed, the caller learns that the store could not take the write (and fails closed).
        public override void Fail(Exception error) => _completion.TrySetException(error as StoreUnavailableException
            ?? new StoreUnavailableException($"The SQLite store failed: {error.Message}", error));
    }
}
