using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Sessions;

namespace Portcullis.Gateway.Tests.Sessions;

public sealed class SessionStoreTests
{
    [Fact]
    public void RemoveIdle_EndsOnlySessionsUnusedForTheTimeout()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var store = new SessionStore(clock);
        var idle = store.Create("alice", "codex", "up-1");
        var busy = store.Create("alice", "codex", "up-2");

        clock.Advance(TimeSpan.FromMinutes(20));
        Assert.NotNull(store.Find(busy.Id, "alice", "codex"));
        clock.Advance(TimeSpan.FromMinutes(15));

        var removed = store.RemoveIdle(TimeSpan.FromMinutes(30));

        Assert.Equal([idle.Id], removed.Select(s => s.Id));
        Assert.Null(store.Find(idle.Id, "alice", "codex"));
        Assert.NotNull(store.Find(busy.Id, "alice", "codex"));
    }

    [Fact]
    public void Find_WithAnotherGrantOrServer_IsUnknown_AndDoesNotKeepTheSessionAlive()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var store = new SessionStore(clock);
        var session = store.Create("alice", "codex", null);

        clock.Advance(TimeSpan.FromMinutes(31));

        Assert.Null(store.Find(session.Id, "bob", "codex"));
        Assert.Null(store.Find(session.Id, "alice", "other"));
        Assert.Single(store.RemoveIdle(TimeSpan.FromMinutes(30)));
    }
}
