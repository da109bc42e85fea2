using System.Collections.Concurrent;

namespace Portcullis.Gateway.Approvals;

/// <summary>
/// The calls one front holds for approval, by the request they answer, so a
/// <c>notifications/cancelled</c> can withdraw them. A cancellation may arrive before the hold is
/// registered (the client cancels at once); it is remembered for a minute so the hold is
/// withdrawn as soon as it registers, whichever comes first.
/// </summary>
internal sealed class HeldCalls<TKey>(TimeProvider timeProvider)
    where TKey : notnull
{
    private static readonly TimeSpan s_cancellationMemory = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<TKey, string> _held = new();
    private readonly ConcurrentDictionary<TKey, DateTimeOffset> _cancelled = new();

    /// <summary>Registers a held call; true when its request was already cancelled (withdraw it now).</summary>
    public bool Register(TKey request, string approvalId)
    {
        _held[request] = approvalId;
        return _cancelled.TryRemove(request, out _);
    }

    /// <summary>Forgets a held call that ended.</summary>
    public void Remove(TKey request) => _held.TryRemove(request, out _);

    /// <summary>Notes that <paramref name="request"/> was cancelled; returns the approval to withdraw when the call is held.</summary>
    public string? Cancel(TKey request)
    {
        var now = timeProvider.GetUtcNow();
        foreach (var (key, at) in _cancelled)
        {
            if (now - at > s_cancellationMemory)
            {
                _cancelled.TryRemove(key, out _);
            }
        }

        if (_held.TryGetValue(request, out var approvalId))
        {
            return approvalId;
        }

        _cancelled[request] = now;
        // The hold may have registered between the two looks: check again.
        return _held.TryGetValue(request, out approvalId) ? approvalId : null;
    }
}
