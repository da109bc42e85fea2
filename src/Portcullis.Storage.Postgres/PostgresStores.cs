using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Pins;
using Portcullis.Storage.Policies;

namespace Portcullis.Storage.Postgres;

/// <summary>
/// The stores PostgreSQL holds for gateway instances that share state: run-time grants, policy
/// versions, approvals, pinned tool definitions and audit, in one database. Combined with stores
/// of another backend (counters, sessions, change messages) to make a <see cref="StoreSet"/>.
/// </summary>
public sealed class PostgresStores : IAsyncDisposable
{
    private readonly PostgresDatabase _database;

    private PostgresStores(PostgresDatabase database)
    {
        _database = database;
        Grants = new PostgresGrantStore(database);
        Policies = new PostgresPolicyStore(database);
        Approvals = new PostgresApprovalStore(database);
        Pins = new PostgresToolPinStore(database);
        Audit = new PostgresAuditStore(database);
    }

    /// <summary>Run-time grants.</summary>
    public IGrantStore Grants { get; }

    /// <summary>Policy versions.</summary>
    public IPolicyStore Policies { get; }

    /// <summary>Approvals of held calls.</summary>
    public IApprovalStore Approvals { get; }

    /// <summary>Pinned tool definitions.</summary>
    public IToolPinStore Pins { get; }

    /// <summary>Audit records.</summary>
    public IAuditStore Audit { get; }

    /// <summary>
    /// Opens <paramref name="connectionString"/> and applies the schema steps the database lacks.
    /// Fails with <see cref="StoreUnavailableException"/> when PostgreSQL cannot be reached.
    /// </summary>
    public static async Task<PostgresStores> OpenAsync(string connectionString, CancellationToken cancellationToken = default) =>
        new(await PostgresDatabase.OpenAsync(connectionString, cancellationToken).ConfigureAwait(false));

    /// <summary>Whether <paramref name="connectionString"/> can be read; <paramref name="problem"/> says what is wrong when not.</summary>
    public static bool TryValidate(string connectionString, out string? problem) => PostgresDatabase.TryValidate(connectionString, out problem);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
