namespace Portcullis.Storage.Pins;

/// <summary>Pins in this process's memory: for <c>store: memory</c> and tests; lost on restart.</summary>
public sealed class InMemoryToolPinStore : IToolPinStore
{
    private readonly Dictionary<(string Server, string Tool), ToolPin> _pins = [];
    private readonly Lock _lock = new();

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<ToolPin>> ListAsync(string server, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<ToolPin> list = [.. _pins.Values.Where(p => p.Server == server).OrderBy(p => p.Tool, StringComparer.Ordinal)];
            return ValueTask.FromResult(list);
        }
    }

    /// <inheritdoc />
    public ValueTask<ToolPin?> GetAsync(string server, string tool, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return ValueTask.FromResult(_pins.GetValueOrDefault((server, tool)));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> AddAsync(ToolPin pin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pin);
        lock (_lock)
        {
            return ValueTask.FromResult(_pins.TryAdd((pin.Server, pin.Tool), pin));
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> MarkChangedAsync(string server, string tool, string hash, string definition, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_pins.TryGetValue((server, tool), out var pin) || pin.PendingHash == hash)
            {
                return ValueTask.FromResult(false);
            }

            _pins[(server, tool)] = pin with { PendingHash = hash, PendingDefinition = definition, PendingSince = at };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ClearChangeAsync(string server, string tool, string approvedHash, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_pins.TryGetValue((server, tool), out var pin) || pin.PendingHash is null || pin.ApprovedHash != approvedHash)
            {
                return ValueTask.FromResult(false);
            }

            _pins[(server, tool)] = pin with { PendingHash = null, PendingDefinition = null, PendingSince = null };
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> ApproveAsync(string server, string tool, string hash, string approvedBy, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_pins.TryGetValue((server, tool), out var pin) || pin.PendingHash != hash)
            {
                return ValueTask.FromResult(false);
            }

            _pins[(server, tool)] = pin with
            {
                ApprovedHash = pin.PendingHash,
                ApprovedDefinition = pin.PendingDefinition,
                ApprovedBy = approvedBy,
                ApprovedAt = at,
                PendingHash = null,
                PendingDefinition = null,
                PendingSince = null,
            };
            return ValueTask.FromResult(true);
        }
    }
}
