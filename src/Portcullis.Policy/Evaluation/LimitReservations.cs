using Portcullis.Policy.Conditions;

namespace Portcullis.Policy.Evaluation;

/// <summary>
/// The limits a decision reserves, computed on demand from the call so that deciding an allowed
/// call allocates nothing; the keys are built only when the gateway asks for them.
/// </summary>
public readonly struct LimitReservations
{
    private readonly PolicyLimit[]? _limits;
    private readonly ToolCall _call;

    internal LimitReservations(PolicyLimit[] limits, in ToolCall call)
    {
        _limits = limits;
        _call = call;
    }

    /// <summary>How many counters the call reserves.</summary>
    public int Count => _limits?.Length ?? 0;

    /// <summary>The reservation for the <paramref name="index"/>th limit, in policy order.</summary>
    public LimitReservation this[int index]
    {
        get
        {
            var limit = _limits![index];
            // Amounts were checked when the call was decided; recomputing keeps deciding allocation-free.
            limit.TryGetAmount(new EvaluationContext(_call), out var amount);
            return new LimitReservation(limit, _call, amount);
        }
    }

    /// <summary>All reservations, in policy order (<c>all_tools</c> first).</summary>
    public IReadOnlyList<LimitReservation> ToList()
    {
        var list = new List<LimitReservation>(Count);
        for (var i = 0; i < Count; i++)
        {
            list.Add(this[i]);
        }

        return list;
    }
}
