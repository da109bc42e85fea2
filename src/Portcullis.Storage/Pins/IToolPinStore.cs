namespace Portcullis.Storage.Pins;

/// <summary>
/// Pinned tool definitions, per server and tool, shared by every gateway instance. Each change is
/// a conditional update, so instances racing on the same observation agree on which one made it:
/// <see cref="MarkChangedAsync"/> returns true to exactly one of them. A store that cannot answer
/// throws <see cref="StoreUnavailableException"/>.
/// </summary>
public interface IToolPinStore
{
    /// <summary>Every pin of a server, by tool name.</summary>
    ValueTask<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default);

    /// <summary>One pin, or null when the tool was never seen.</summary>
    ValueTask<ToolPin?> GetAsync(string server, string tool, CancellationToken cancellationToken = default);

    /// <summary>Adds the pin of a tool seen for the first time; false when the tool already has one (nothing changes then).</summary>
    ValueTask<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records <paramref name="definition"/> (with <paramref name="hash"/>) as the definition awaiting
    /// review, unless it is that already; true when this call recorded it.
    /// </summary>
    ValueTask<bool> MarkChangedAsync(string server, string tool, string hash, string definition, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>Forgets the definition awaiting review when the server advertises the approved one (<paramref name="approvedHash"/>) again; true when one was forgotten.</summary>
    ValueTask<bool> ClearChangeAsync(string server, string tool, string approvedHash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Approves the definition awaiting review, if its hash is still <paramref name="hash"/>: it
    /// becomes the approved one. False when there is no such definition (already approved, or
    /// replaced by another in the meantime).
    /// </summary>
    ValueTask<bool> ApproveAsync(string server, string tool, string hash, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken = default);
}
