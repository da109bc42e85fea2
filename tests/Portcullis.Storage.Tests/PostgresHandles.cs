using Portcullis.Storage.Postgres;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests;

/// <summary>Opened PostgreSQL databases of one test, closed with it: each open is another gateway's handle on the same database.</summary>
internal sealed class PostgresHandles(PostgresServer postgres) : IAsyncDisposable
{
    private readonly List<PostgresDatabase> _opened = [];

    /// <summary>Two handles on a fresh database (as two gateway instances would have); skips or fails without PostgreSQL.</summary>
    public async Task<(PostgresDatabase First, PostgresDatabase Second)> OpenPairAsync()
    {
        postgres.Require();
        var connectionString = await postgres.CreateDatabaseAsync();
        var first = await OpenAsync(connectionString);
        return (first, await OpenAsync(connectionString));
    }

    /// <summary>Opens (and migrates) <paramref name="connectionString"/>, to be closed with the test.</summary>
    public async Task<PostgresDatabase> OpenAsync(string connectionString)
    {
        var database = await PostgresDatabase.OpenAsync(connectionString);
        lock (_opened)
        {
            _opened.Add(database);
        }

        return database;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var database in _opened)
        {
            await database.DisposeAsync();
        }
    }
}
