using Portcullis.Storage.Sessions;

namespace Portcullis.Storage.Tests.Sessions;

/// <summary>What every session store must do; each store's test class supplies two handles on one store.</summary>
public abstract class SessionStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected abstract (ISessionStore First, ISessionStore Second) CreatePair();

    protected static StoredSession NewSession(DateTimeOffset at, string? upstream = "up-1") => new()
    {
        Id = "pcs_" + Guid.NewGuid().ToString("N"),
        GrantName = "agent",
        ServerId = "codex",
        UpstreamSessionId = upstream,
        CreatedAt = at,
        LastUsedAt = at,
    };

    [Fact]
    public async Task ASessionCreatedByOneInstance_IsFoundByTheOther_WithEveryField()
    {
        var (first, second) = CreatePair();
        var session = NewSession(Now);
        await first.CreateAsync(session);

        var found = await second.FindAsync(session.Id, Now.AddSeconds(1));

        Assert.Equal(session, found);
    }

    [Fact]
    public async Task WithoutAnUpstreamSessionId_TheSessionRoundTrips()
    {
        var (first, second) = CreatePair();
        var session = NewSession(Now, upstream: null);
        await first.CreateAsync(session);

        Assert.Null((await second.FindAsync(session.Id, Now))!.UpstreamSessionId);
    }

    [Fact]
    public async Task Remove_EndsTheSessionForEveryInstance()
    {
        var (first, second) = CreatePair();
        var session = NewSession(Now);
        await first.CreateAsync(session);

        Assert.True(await second.RemoveAsync(session.Id));

        Assert.Null(await first.FindAsync(session.Id, Now));
        Assert.False(await first.RemoveAsync(session.Id));
    }

    [Fact]
    public async Task ChangeStamp_MovesForEveryInstanceWhenASessionEnds_NotWhenOneIsUsed()
    {
        var (first, second) = CreatePair();
        var removed = NewSession(Now);
        var swept = NewSession(Now);
        await first.CreateAsync(removed);
        await first.CreateAsync(swept);

        var before = await second.ReadChangeStampAsync();
        Assert.NotNull(await first.FindAsync(removed.Id, Now.AddMinutes(1)));
        Assert.Equal(before, await second.ReadChangeStampAsync());

        Assert.True(await first.RemoveAsync(removed.Id));
        var afterRemove = await second.ReadChangeStampAsync();
        Assert.NotEqual(before, afterRemove);

        Assert.Contains(await first.RemoveIdleAsync(Now.AddSeconds(30)), s => s.Id == swept.Id);
        Assert.NotEqual(afterRemove, await second.ReadChangeStampAsync());
    }

    [Fact]
    public async Task CreatingAnExistingId_Throws()
    {
        var (first, second) = CreatePair();
        var session = NewSession(Now);
        await first.CreateAsync(session);

        await Assert.ThrowsAsync<InvalidOperationException>(() => second.CreateAsync(session with { GrantName = "other" }).AsTask());
        Assert.Equal("agent", (await first.FindAsync(session.Id, Now))!.GrantName);
    }

    [Fact]
    public async Task RemoveIdle_EndsOnlyIdleSessions_AndAUseKeepsASessionAlive()
    {
        var (first, second) = CreatePair();
        var idle = NewSession(Now);
        var used = NewSession(Now);
        await first.CreateAsync(idle);
        await first.CreateAsync(used);
        await second.FindAsync(used.Id, Now.AddMinutes(20));

        var removed = await second.RemoveIdleAsync(Now.AddMinutes(10));

        Assert.Contains(removed, s => s.Id == idle.Id);
        Assert.DoesNotContain(removed, s => s.Id == used.Id);
        Assert.Null(await first.FindAsync(idle.Id, Now.AddMinutes(20)));
        Assert.NotNull(await first.FindAsync(used.Id, Now.AddMinutes(20)));
    }

    [Fact]
    public async Task ConcurrentSweeps_EachIdleSessionIsReturnedOnce()
    {
        var (first, second) = CreatePair();
        var ids = new HashSet<string>();
        for (var i = 0; i < 50; i++)
        {
            var session = NewSession(Now);
            ids.Add(session.Id);
            await first.CreateAsync(session);
        }

        var sweeps = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => (i % 2 == 0 ? first : second).RemoveIdleAsync(Now.AddHours(1)).AsTask())));

        var mine = sweeps.SelectMany(s => s).Where(s => ids.Contains(s.Id)).Select(s => s.Id).ToList();
        Assert.Equal(50, mine.Count);
        Assert.Equal(50, mine.Distinct().Count());
    }
}
