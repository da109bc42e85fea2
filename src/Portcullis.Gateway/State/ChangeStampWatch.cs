using Portcullis.Storage;

namespace Portcullis.Gateway.State;

/// <summary>
/// What this instance knows of one store's change stamp (the number the store moves whenever a
/// stored grant or session changes in a way that may refuse it), read at most once per
/// <see cref="Interval"/> however many requests ask. Copies of stored records are tagged with the
/// generation they were read under and served only while it is current: the generation moves
/// whenever the stamp is seen to move or cannot be read, and never goes back, so a copy read
/// before a change is never served after the change has been seen.
/// </summary>
internal sealed class ChangeStampWatch
{
    /// <summary>
    /// How stale the stamp may get: a change in the store is seen by every instance within this,
    /// plus one read of the stamp.
    /// </summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);

    private readonly Func<CancellationToken, ValueTask<long>> _readStamp;
    private readonly TimeProvider _timeProvider;
    private Observation? _last;
    private Task<long?>? _reading;

    /// <summary>Watches the stamp <paramref name="readStamp"/> reads (throwing <see cref="StoreUnavailableException"/> when the store cannot answer).</summary>
    public ChangeStampWatch(Func<CancellationToken, ValueTask<long>> readStamp, TimeProvider timeProvider)
    {
        _readStamp = readStamp;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// The current generation, or null when the stamp could not be read (the store is unavailable),
    /// in which case no copy may be served and the store must be asked.
    /// </summary>
    public ValueTask<long?> GenerationAsync(CancellationToken cancellationToken)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && _timeProvider.GetElapsedTime(last.ReadAt) < Interval)
        {
            return ValueTask.FromResult(last.Readable ? last.Generation : (long?)null);
        }

        return new ValueTask<long?>(ReadOnceAsync().WaitAsync(cancellationToken));
    }

    /// <summary>One read of the stamp at a time: requests arriving while it runs wait for it.</summary>
    private Task<long?> ReadOnceAsync()
    {
        var reading = Volatile.Read(ref _reading);
        if (reading is { IsCompleted: false })
        {
            return reading;
        }

        var result = new TaskCompletionSource<long?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var prior = Interlocked.CompareExchange(ref _reading, result.Task, reading);
        if (!ReferenceEquals(prior, reading))
        {
            return prior!;
        }

        _ = ReadIntoAsync(result);
        return result.Task;
    }

    private async Task ReadIntoAsync(TaskCompletionSource<long?> result)
    {
        var last = Volatile.Read(ref _last);
        var generation = last?.Generation ?? 0;
        try
        {
            // Not the caller's token: the read serves every request waiting for it.
            var stamp = await _readStamp(CancellationToken.None).ConfigureAwait(false);
            if (last is null || !last.Readable || last.Stamp != stamp)
            {
                // After an unreadable stamp too: whatever happened meanwhile, copies are read again.
                generation++;
            }

            Volatile.Write(ref _last, new Observation(stamp, generation, _timeProvider.GetTimestamp(), Readable: true));
            result.SetResult(generation);
        }
        catch (StoreUnavailableException)
        {
            // Asked again after the interval; meanwhile requests go to the store, which answers for itself.
            Volatile.Write(ref _last, new Observation(last?.Stamp ?? 0, generation + 1, _timeProvider.GetTimestamp(), Readable: false));
            result.SetResult(null);
        }
        catch (Exception e)
        {
            result.SetException(e);
        }
    }

    private sealed record Observation(long Stamp, long Generation, long ReadAt, bool Readable);
}
