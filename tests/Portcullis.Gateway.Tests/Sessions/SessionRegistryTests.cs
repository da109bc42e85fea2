using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Sessions;
using Portcullis.Gateway.State;
using Portcullis.Storage.Sessions;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Tests.Sessions;

public sealed class SessionRegistryTests : IDisposable
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-session-registry-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string StorePath => Path.Combine(_directory, "state.db");

    private SessionRegistry NewRegistry(ISessionStore store) => new(store, _clock, NullLogger<SessionRegistry>.Instance);

    [Fact]
    public async Task RemoveIdle_EndsOnlySessionsUnusedForTheTimeout()
    {
        var registry = NewRegistry(new InMemorySessionStore());
        var idle = await registry.CreateAsync("alice", "codex", "up-1", Cancel);
        var busy = await registry.CreateAsync("alice", "codex", "up-2", Cancel);

        _clock.Advance(TimeSpan.FromMinutes(20));
        Assert.NotNull(await registry.FindAsync(busy.Id, "alice", "codex", Cancel));
        _clock.Advance(TimeSpan.FromMinutes(15));

        var removed = await registry.RemoveIdleAsync(TimeSpan.FromMinutes(30), Cancel);

        Assert.Equal([idle.Id], removed.Select(s => s.Id));
        Assert.Null(await registry.FindAsync(idle.Id, "alice", "codex", Cancel));
        Assert.NotNull(await registry.FindAsync(busy.Id, "alice", "codex", Cancel));
    }

    [Fact]
    public async Task Find_WithAnotherGrantOrServer_IsUnknown()
    {
        var registry = NewRegistry(new InMemorySessionStore());
        var session = await registry.CreateAsync("alice", "codex", null, Cancel);

        Assert.Null(await registry.FindAsync(session.Id, "bob", "codex", Cancel));
        Assert.Null(await registry.FindAsync(session.Id, "alice", "other", Cancel));
        Assert.NotNull(await registry.FindAsync(session.Id, "alice", "codex", Cancel));
    }

    [Fact]
    public async Task ASessionEndedThroughAnotherInstance_IsUnknownHereToo()
    {
        var shared = new InMemorySessionStore();
        var here = NewRegistry(shared);
        var there = NewRegistry(shared);
        var session = await here.CreateAsync("alice", "codex", "up-1", Cancel);
        Assert.NotNull(await there.FindAsync(session.Id, "alice", "codex", Cancel));

        await there.RemoveAsync(session.Id, Cancel);
        _clock.Advance(ChangeStampWatch.Interval);

        Assert.Null(await here.FindAsync(session.Id, "alice", "codex", Cancel));
    }

    [Fact]
    public async Task ASessionEndedByAnotherStoreOnTheFile_IsServedFromMemoryUntilTheStampMoves_ThenUnknown()
    {
        var here = NewRegistry(new SqliteSessionStore(StorePath));
        var there = NewRegistry(new SqliteSessionStore(StorePath));
        var session = await here.CreateAsync("alice", "codex", "up-1", Cancel);
        var kept = await here.CreateAsync("alice", "codex", "up-2", Cancel);
        Assert.NotNull(await here.FindAsync(session.Id, "alice", "codex", Cancel));
        Assert.NotNull(await here.FindAsync(kept.Id, "alice", "codex", Cancel));

        await there.RemoveAsync(session.Id, Cancel);
        Assert.NotNull(await here.FindAsync(session.Id, "alice", "codex", Cancel));
        _clock.Advance(ChangeStampWatch.Interval);

        Assert.Null(await here.FindAsync(session.Id, "alice", "codex", Cancel));
        Assert.NotNull(await here.FindAsync(kept.Id, "alice", "codex", Cancel));
    }

    [Fact]
    public async Task ASessionServedFromMemory_IsStillMarkedUsedInTheStore_SoAnotherInstancesSweepKeepsIt()
    {
        var here = NewRegistry(new SqliteSessionStore(StorePath));
        var there = NewRegistry(new SqliteSessionStore(StorePath));
        var session = await here.CreateAsync("alice", "codex", null, Cancel);

        for (var i = 0; i < 20; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.NotNull(await here.FindAsync(session.Id, "alice", "codex", Cancel));
        }

        Assert.Empty(await there.RemoveIdleAsync(TimeSpan.FromSeconds(10), Cancel));
        _clock.Advance(ChangeStampWatch.Interval);
        Assert.NotNull(await here.FindAsync(session.Id, "alice", "codex", Cancel));
    }
}
