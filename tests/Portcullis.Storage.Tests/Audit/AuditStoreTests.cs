using Microsoft.Data.Sqlite;
using Npgsql;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Postgres;
using Portcullis.Storage.Sqlite;
using Portcullis.TestServers;

namespace Portcullis.Storage.Tests.Audit;

public sealed class SqliteAuditStoreTests : AuditStoreContract, IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-audit-").FullName;
    private readonly List<SqliteAuditStore> _stores = [];

    private string DatabasePath => Path.Combine(_directory, "state.db");

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    protected override Task<IAuditStore> CreateAsync()
    {
        var store = new SqliteAuditStore(DatabasePath);
        _stores.Add(store);
        return Task.FromResult<IAuditStore>(store);
    }

    [Fact]
    public async Task AFileMovedAway_IsNotWrittenToAgain_TheFileNowAtThePathIs()
    {
        var records = Chain(2);
        await using var store = new SqliteAuditStore(DatabasePath);
        await store.WriteAsync([records[0]], TestContext.Current.CancellationToken);

        // A restored backup: a store file made elsewhere, its log written into it, then put where the first one was.
        // The pool is left alone, so its idle connections still point at the file moved away.
        var replacement = Path.Combine(Directory.CreateDirectory(Path.Combine(_directory, "replacement")).FullName, "state.db");
        await using (new SqliteAuditStore(replacement))
        {
        }

        using (var checkpoint = new SqliteConnection($"Data Source={replacement};Pooling=False"))
        {
            checkpoint.Open();
            using var command = checkpoint.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            command.ExecuteNonQuery();
        }

        var moved = Directory.CreateDirectory(Path.Combine(_directory, "moved")).FullName;
        foreach (var file in Directory.GetFiles(_directory, "state.db*"))
        {
            File.Move(file, Path.Combine(moved, Path.GetFileName(file)));
        }

        File.Move(replacement, DatabasePath);

        await store.WriteAsync([records[1]], TestContext.Current.CancellationToken);

        Assert.Equal([1L], Seqs(Path.Combine(moved, "state.db")));
        Assert.Equal([2L], Seqs(DatabasePath));
    }

    [Fact]
    public async Task TextWithANulCharacter_IsStoredWhole_AndTheLogStillVerifies()
    {
        // A tool name is the agent's to choose, and JSON lets it carry U+0000; past 512 bytes SQLitePCLRaw's string binding would end it there.
        var chain = new AuditChain("gateway@test/1");
        var record = chain.Append(new AuditRecord
        {
            Time = Start, Kind = AuditKinds.Call, Grant = "alice", Server = "codex", Tool = LongNameWithNul, Decision = AuditDecisions.Deny,
        });
        await using var store = new SqliteAuditStore(DatabasePath);
        await store.WriteAsync([record], TestContext.Current.CancellationToken);

        var verification = await VerifyAsync(store);
        Assert.True(verification.Intact, verification.Problem);
        using var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT length(CAST(tool AS BLOB)) FROM audit";
        Assert.Equal((long)System.Text.Encoding.UTF8.GetByteCount(LongNameWithNul), command.ExecuteScalar());
    }

    private static readonly string LongNameWithNul = "deploy\u0000" + new string('x', 600);

    private static List<long> Seqs(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq FROM audit ORDER BY seq";
        using var reader = command.ExecuteReader();
        var seqs = new List<long>();
        while (reader.Read())
        {
            seqs.Add(reader.GetInt64(0));
        }

        return seqs;
    }

    protected override Task ExecuteAsync(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        return Task.CompletedTask;
    }
}

public sealed class PostgresAuditStoreTests(PostgresServer postgres) : AuditStoreContract, IAsyncDisposable
{
    private PostgresDatabase? _database;

    public async ValueTask DisposeAsync()
    {
        if (_database is not null)
        {
            await _database.DisposeAsync();
        }
    }

    protected override async Task<IAuditStore> CreateAsync()
    {
        postgres.Require();
        _database = await PostgresDatabase.OpenAsync(await postgres.CreateDatabaseAsync());
        return new PostgresAuditStore(_database);
    }

    protected override async Task ExecuteAsync(string sql)
    {
        using var command = _database!.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task TwoInstancesWriting1000RecordsInParallel_EachChainVerifies()
    {
        var store = await CreateAsync();
        var other = new PostgresAuditStore(_database!);
        var first = Chain(500, "gateway@a/1");
        var second = Chain(500, "gateway@b/1");

        await Task.WhenAll(
            Task.Run(async () => { foreach (var batch in first.Chunk(50)) { await store.WriteAsync(batch); } }),
            Task.Run(async () => { foreach (var batch in second.Chunk(50)) { await other.WriteAsync(batch); } }));

        var verification = await VerifyAsync(store);
        Assert.True(verification.Intact, verification.Problem);
        Assert.Equal((first.Count + second.Count, 2), (verification.Records, verification.Chains));
    }
}

public sealed class InMemoryAuditStoreTests
{
    [Fact]
    public async Task Records_AreKeptOnce_AndVerify()
    {
        var store = new InMemoryAuditStore();
        var chain = new AuditChain("c");
        var records = Enumerable.Range(0, 5).Select(i => chain.Append(new AuditRecord { Time = DateTimeOffset.UnixEpoch.AddSeconds(i), Decision = "allow" })).ToList();

        await store.WriteAsync(records);
        await store.WriteAsync(records);

        var all = new List<StoredAuditRecord>();
        await foreach (var record in store.ReadAllAsync())
        {
            all.Add(record);
        }

        Assert.Equal(5, store.Count);
        Assert.True(AuditVerifier.Verify(all, []).Intact);
    }
}
