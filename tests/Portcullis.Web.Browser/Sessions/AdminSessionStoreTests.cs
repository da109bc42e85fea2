using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Configuration;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Browser.Sessions;

public sealed class AdminSessionStoreTests
{
    [Fact]
    public void Use_WithinEightIdleHours_KeepsTheSessionAlive_AndEachUseRestartsTheClock()
    {
        var clock = new FakeTimeProvider();
        var store = new AdminSessionStore(clock);
        var session = store.Start("ops", AdminRole.Viewer);

        clock.Advance(TimeSpan.FromHours(7));
        Assert.Same(session, store.Use(session.Id));
        clock.Advance(TimeSpan.FromHours(7));
        Assert.Same(session, store.Use(session.Id));
        clock.Advance(AdminSessionStore.IdleTimeout);

        Assert.Null(store.Use(session.Id));
        Assert.Null(store.Use(session.Id));
    }

    [Fact]
    public void End_And_UnknownIds_FindNoSession()
    {
        var store = new AdminSessionStore(new FakeTimeProvider());
        var first = store.Start("ops", AdminRole.Admin);
        var second = store.Start("ops", AdminRole.Admin);

        store.End(first.Id);

        Assert.Null(store.Use(first.Id));
        Assert.Same(second, store.Use(second.Id));
        Assert.Null(store.Use(null));
        Assert.Null(store.Use(""));
        Assert.Null(store.Use(second.Id.ToUpperInvariant()));
        Assert.NotEqual(first.Id, second.Id);
        Assert.Equal(43, second.Id.Length);
    }

    [Fact]
    public void NoticeAndSecret_AreShownOnce()
    {
        var session = new AdminSessionStore(new FakeTimeProvider()).Start("ops", AdminRole.Admin);
        session.SetNotice(new AdminNotice("Created grant 'x'."));
        session.SetSecret("pcg_secret");

        Assert.Equal("Created grant 'x'.", session.TakeNotice()?.Text);
        Assert.Equal("pcg_secret", session.TakeSecret());
        Assert.Null(session.TakeNotice());
        Assert.Null(session.TakeSecret());
    }
}
