using System.Collections.Immutable;
using Portcullis.Storage.Grants;

namespace Portcullis.Storage.Tests.Grants;

public sealed class NoGrantStoreTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Reads_FindAndListNothing_AndRotateAndRevokeFindNoGrant()
    {
        var store = NoGrantStore.Instance;

        Assert.False(store.KeepsGrants);
        Assert.Null(await store.FindByTokenHashAsync(new byte[32], Cancel));
        Assert.Empty(await store.ListAsync(Cancel));
        Assert.False(await store.ReplaceTokenAsync("ci", new byte[32], Cancel));
        Assert.False(await store.RevokeAsync("ci", DateTimeOffset.UnixEpoch, Cancel));
    }

    [Fact]
    public async Task CreateAsync_Refuses_NamingTheGrantAndWhy()
    {
        var grant = new StoredGrant
        {
            Name = "ci", TokenHash = [.. new byte[32]], Servers = ["codex"], Labels = ImmutableDictionary<string, string>.Empty,
            CreatedAt = DateTimeOffset.UnixEpoch,
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await NoGrantStore.Instance.CreateAsync(grant, Cancel));

        Assert.Equal("Grant 'ci' cannot be created: the memory store keeps no run-time grants; use a SQLite or PostgreSQL store.", error.Message);
        Assert.Empty(await NoGrantStore.Instance.ListAsync(Cancel));
    }
}
