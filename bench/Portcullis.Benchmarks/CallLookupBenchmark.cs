using BenchmarkDotNet.Attributes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Sessions;
using Portcullis.Storage;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Benchmarks;

/// <summary>
/// What every MCP request does before its method is looked at: check the bearer token of a
/// run-time grant and find the request's session. The memory row is a grant from the
/// configuration and a session in memory (no store read); the SQLite row is a run-time grant and
/// a session kept in one SQLite file, nothing having changed since the last request.
/// </summary>
[MemoryDiagnoser]
public class CallLookupBenchmark
{
    private const string Token = "pcg_benchmark-token";
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-bench-").FullName;
    private StoreSet _sqliteStores = null!;
    private StoreSet _memoryStores = null!;
    private GrantRegistry _memoryGrants = null!;
    private SessionRegistry _memorySessions = null!;
    private GrantRegistry _sqliteGrants = null!;
    private SessionRegistry _sqliteSessions = null!;
    private string _memorySession = null!;
    private string _sqliteSession = null!;

    [GlobalSetup]
    public void Setup()
    {
        var time = TimeProvider.System;
        _memoryStores = StoreSet.InMemory(time);
        _memoryGrants = new GrantRegistry([new GrantConfig { Name = "alice", Token = Token, Servers = ["codex"] }], time, _memoryStores.Grants);
        _memorySessions = new SessionRegistry(_memoryStores.Sessions, time, NullLogger<SessionRegistry>.Instance);
        _memorySession = _memorySessions.CreateAsync("alice", "codex", null, default).AsTask().GetAwaiter().GetResult().Id;

        _sqliteStores = SqliteStores.Open(Path.Combine(_directory, "state.db"), time);
        _sqliteStores.Grants.CreateAsync(new StoredGrant
        {
            Name = "alice",
            TokenHash = [.. GrantRegistry.Hash(Token)],
            Servers = ["codex"],
            CreatedAt = time.GetUtcNow(),
        }).AsTask().GetAwaiter().GetResult();
        _sqliteGrants = new GrantRegistry([], time, _sqliteStores.Grants);
        _sqliteSessions = new SessionRegistry(_sqliteStores.Sessions, time, NullLogger<SessionRegistry>.Instance);
        _sqliteSession = _sqliteSessions.CreateAsync("alice", "codex", null, default).AsTask().GetAwaiter().GetResult().Id;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _sqliteStores.DisposeAsync().AsTask().GetAwaiter().GetResult();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "memory (configured grant)")]
    public async Task<bool> Memory()
    {
        var check = await _memoryGrants.CheckAsync("Bearer " + Token, "codex").ConfigureAwait(false);
        return await _memorySessions.FindAsync(_memorySession, check.Grant!.Name, "codex", default).ConfigureAwait(false) is not null;
    }

    [Benchmark(Description = "SQLite (run-time grant, stored session)")]
    public async Task<bool> Sqlite()
    {
        var check = await _sqliteGrants.CheckAsync("Bearer " + Token, "codex").ConfigureAwait(false);
        return await _sqliteSessions.FindAsync(_sqliteSession, check.Grant!.Name, "codex", default).ConfigureAwait(false) is not null;
    }
}
