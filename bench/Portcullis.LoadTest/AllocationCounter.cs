using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Portcullis.LoadTest;

/// <summary>
/// The bytes a running .NET process (the gateway) allocates, read from outside over EventPipe: the
/// runtime's <c>alloc-rate</c> counter, which every <see cref="Interval"/> publishes the bytes
/// allocated since its previous publication (<c>GC.GetTotalAllocatedBytes</c> deltas). Nothing is
/// added to the process or its configuration; the counter costs it one poll per interval.
/// </summary>
/// <remarks>
/// A measurement starts at a publication and ends at the first publication stamped after the
/// measured work, so it counts all of that work and at most one interval more of whatever the
/// process does besides (with no calls coming in, little).
/// </remarks>
internal sealed class AllocationCounter : IDisposable
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly int _processId;
    private readonly EventPipeSession _session;
    private readonly EventPipeEventSource _source;
    private readonly Task _reading;
    private readonly List<Publication> _publications = [];
    private TaskCompletionSource _published = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private AllocationCounter(int processId, EventPipeSession session)
    {
        _processId = processId;
        _session = session;
        _source = new EventPipeEventSource(session.EventStream);
        _source.Dynamic.All += OnEvent;
        _reading = Task.Run(() => _source.Process());
    }

    /// <summary>Subscribes to the counter of the .NET process <paramref name="processId"/>.</summary>
    public static AllocationCounter Attach(int processId)
    {
        var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, 0,
            new Dictionary<string, string> { ["EventCounterIntervalSec"] = Interval.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false);
        return new AllocationCounter(processId, session);
    }

    /// <summary>Waits for the next publication; what is allocated from then on counts.</summary>
    public async Task<Mark> StartAsync(CancellationToken cancellationToken)
    {
        await NextPublicationAsync(cancellationToken);
        lock (_publications)
        {
            return new Mark(_publications.Count);
        }
    }

    /// <summary>
    /// The bytes allocated from <paramref name="start"/> until the first publication stamped after
    /// <paramref name="endedUtc"/>, waiting for that publication.
    /// </summary>
    public async Task<long> AllocatedAsync(Mark start, DateTime endedUtc, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task next;
            lock (_publications)
            {
                var last = _publications.FindIndex(start.Index, p => p.PublishedUtc >= endedUtc);
                if (last >= 0)
                {
                    return _publications.Skip(start.Index).Take(last - start.Index + 1).Sum(p => p.Bytes);
                }

                next = _published.Task;
            }

            await WaitAsync(next, cancellationToken);
        }
    }

    public void Dispose()
    {
        try
        {
            _session.Stop();
        }
        catch (ServerNotAvailableException)
        {
            // The process has exited; its session went with it.
        }

        _reading.Wait(TimeSpan.FromSeconds(5));
        _source.Dispose();
        _session.Dispose();
    }

    private Task NextPublicationAsync(CancellationToken cancellationToken)
    {
        lock (_publications)
        {
            return WaitAsync(_published.Task, cancellationToken);
        }
    }

    private async Task WaitAsync(Task publication, CancellationToken cancellationToken)
    {
        try
        {
            await publication.WaitAsync(Patience, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"process {_processId} published no alloc-rate counter within {Patience.TotalSeconds} s over EventPipe.");
        }
    }

    private void OnEvent(TraceEvent e)
    {
        // EventCounters events carry one payload field, "Payload": the counter's name and, for an
        // incrementing counter such as alloc-rate, its "Increment" over the last interval.
        if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
            || outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> counter
            || !counter.TryGetValue("Name", out var name) || name as string != "alloc-rate" || !counter.TryGetValue("Increment", out var increment))
        {
            return;
        }

        TaskCompletionSource published;
        lock (_publications)
        {
            _publications.Add(new Publication(e.TimeStamp.ToUniversalTime(), (long)Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture)));
            published = _published;
            _published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        published.SetResult();
    }

    /// <summary>Where a measurement starts: the index of the first publication it counts.</summary>
    internal readonly record struct Mark(int Index);

    private readonly record struct Publication(DateTime PublishedUtc, long Bytes);
}
