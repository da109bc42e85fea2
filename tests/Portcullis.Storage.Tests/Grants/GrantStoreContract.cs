using System.Collections.Immutable;
using Portcullis.Storage.Grants;

namespace Portcullis.Storage.Tests.Grants;

/// <summary>What every grant store must do.</summary>
public abstract class GrantStoreContract
{
    protected static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<(IGrantStore First, IGrantStore Second)> CreatePairAsync();

    private static StoredGrant Grant(string name, byte seed) => new()
    {
        Name = name,
        TokenHash = [.. Enumerable.Repeat(seed, 32)],
        Servers = ["codex", "files"],
        Labels = ImmutableDictionary<string, string>.Empty.Add("team", "red"),
        Expires = Now.AddDays(30),
        CreatedAt = Now,
    };

    [Fact]
    public async Task Create_Find_List_RoundTripEveryField()
    {
        var (store, other) = await CreatePairAsync();
        var grant = Grant("agent", 1);

        Assert.True(await store.CreateAsync(grant));
        Assert.False(await other.CreateAsync(Grant("agent", 2)));

        var found = await other.FindByTokenHashAsync(grant.TokenHash.AsMemory());
        Assert.NotNull(found);
        Assert.Equal(grant.Name, found.Name);
        Assert.Equal(grant.TokenHash, found.TokenHash);
        Assert.Equal(grant.Servers, found.Servers);
        Assert.Equal(grant.Labels, found.Labels);
        Assert.Equal(grant.Expires, found.Expires);
        Assert.Equal(grant.CreatedAt, found.CreatedAt);
        Assert.Null(found.RevokedAt);
        Assert.Single(await other.ListAsync());
    }

    [Fact]
    public async Task Rotate_ReplacesTheToken_AndRevoke_IsFinal()
    {
        var (store, other) = await CreatePairAsync();
        var grant = Grant("agent", 1);
        await store.CreateAsync(grant);
        byte[] rotated = [.. Enumerable.Repeat((byte)9, 32)];

        Assert.True(await other.ReplaceTokenAsync("agent", rotated));
        Assert.Null(await store.FindByTokenHashAsync(grant.TokenHash.AsMemory()));
        Assert.True(await other.RevokeAsync("agent", Now.AddHours(1)));

        Assert.Equal(Now.AddHours(1), (await store.FindByTokenHashAsync(rotated))!.RevokedAt);
        Assert.False(await store.RevokeAsync("agent", Now.AddHours(2)));
        Assert.False(await store.ReplaceTokenAsync("agent", grant.TokenHash.AsMemory()));
        Assert.False(await store.RevokeAsync("nobody", Now));
    }

    [Fact]
    public async Task ChangeStamp_MovesForEveryInstanceWhenAGrantIsRotatedOrRevoked()
    {
        var (store, other) = await CreatePairAsync();
        await store.CreateAsync(Grant("agent", 1));
        var created = await other.ReadChangeStampAsync();
        Assert.Equal(created, await store.ReadChangeStampAsync());

        Assert.True(await store.ReplaceTokenAsync("agent", new byte[32]));
        var rotated = await other.ReadChangeStampAsync();
        Assert.NotEqual(created, rotated);

        Assert.True(await store.RevokeAsync("agent", Now));
        Assert.NotEqual(rotated, await other.ReadChangeStampAsync());
    }
}
