using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Grants;
using Portcullis.Storage.Grants;

namespace Portcullis.Gateway.Tests.Grants;

public sealed class GrantRegistryTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Check_ValidToken_IsAcceptedForItsServersOnly()
    {
        var registry = new GrantRegistry([], _clock, NoGrantStore.Instance);
        var token = GrantRegistry.NewToken();
        registry.Add("alice", token, ["codex"]);

        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("bearer  " + token + " ", "codex")).Status);
        Assert.Equal(GrantCheckStatus.WrongServer, (await registry.CheckAsync("Bearer " + token, "other")).Status);
        Assert.Equal(GrantCheckStatus.UnknownToken, (await registry.CheckAsync("Bearer " + token + "x", "codex")).Status);
    }

    [Fact]
    public async Task Check_ExpiryAndRevocation_AreEnforcedByTheClock()
    {
        var registry = new GrantRegistry([], _clock, NoGrantStore.Instance);
        var token = GrantRegistry.NewToken();
        registry.Add("alice", token, ["codex"], expires: _clock.GetUtcNow().AddMinutes(5));

        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(GrantCheckStatus.Expired, (await registry.CheckAsync("Bearer " + token, "codex")).Status);

        var other = GrantRegistry.NewToken();
        registry.Add("bob", other, ["codex"]);
        Assert.True(registry.Revoke("bob"));
        Assert.Equal(GrantCheckStatus.Revoked, (await registry.CheckAsync("Bearer " + other, "codex")).Status);
        Assert.False(registry.Revoke("bob"));
    }

    [Fact]
    public void Grants_KeepOnlyTheTokensHash()
    {
        var registry = new GrantRegistry([], _clock, NoGrantStore.Instance);
        var token = GrantRegistry.NewToken();

        var grant = registry.Add("alice", token, ["codex"]);

        Assert.Equal(32, grant.TokenHash.Length);
        Assert.DoesNotContain(token, grant.ToString(), StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => registry.Add("copy", token, ["codex"]));
    }

    [Fact]
    public void NewToken_Has256RandomBits()
    {
        var tokens = Enumerable.Range(0, 1000).Select(_ => GrantRegistry.NewToken()).ToHashSet();

        Assert.Equal(1000, tokens.Count);
        Assert.All(tokens, t => Assert.Matches("^pcg_[A-Za-z0-9_-]{43}$", t));
    }
}
