using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.State;
using Portcullis.Storage;
using Portcullis.Storage.Grants;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Tests.Grants;

public sealed class GrantRegistryTests : IDisposable
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-grant-registry-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private string StorePath => Path.Combine(_directory, "state.db");

    /// <summary>A run-time grant created through another handle on the file, as the command line would.</summary>
    private async Task<string> CreateStoredGrantAsync(SqliteGrantStore store, string name, DateTimeOffset? expires = null)
    {
        var token = GrantRegistry.NewToken();
        Assert.True(await store.CreateAsync(new StoredGrant
        {
            Name = name,
            TokenHash = [.. GrantRegistry.Hash(token)],
            Servers = ["codex"],
            Expires = expires,
            CreatedAt = _clock.GetUtcNow(),
        }));
        return token;
    }

    [Fact]
    public async Task ARunTimeGrant_IsServedFromMemory_UntilTheFilesChangeStampMoves_ThenItsRevocationIsSeen()
    {
        var admin = new SqliteGrantStore(StorePath);
        var token = await CreateStoredGrantAsync(admin, "runtime");
        var registry = new GrantRegistry([], _clock, new SqliteGrantStore(StorePath));
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);

        Assert.True(await admin.RevokeAsync("runtime", _clock.GetUtcNow()));
        // Within the interval the copy is still served: the file is not read on this request.
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
        _clock.Advance(ChangeStampWatch.Interval);

        Assert.Equal(GrantCheckStatus.Revoked, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
        _clock.Advance(ChangeStampWatch.Interval);
        Assert.Equal(GrantCheckStatus.Revoked, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
    }

    [Fact]
    public async Task ARotatedToken_IsUnknownOnceTheStampMoves_AndTheNewOneIsAccepted()
    {
        var admin = new SqliteGrantStore(StorePath);
        var old = await CreateStoredGrantAsync(admin, "runtime");
        var registry = new GrantRegistry([], _clock, new SqliteGrantStore(StorePath));
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + old, "codex")).Status);

        var rotated = GrantRegistry.NewToken();
        Assert.True(await admin.ReplaceTokenAsync("runtime", GrantRegistry.Hash(rotated)));
        _clock.Advance(ChangeStampWatch.Interval);

        Assert.Equal(GrantCheckStatus.UnknownToken, (await registry.CheckAsync("Bearer " + old, "codex")).Status);
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + rotated, "codex")).Status);
    }

    [Fact]
    public async Task ACachedRunTimeGrant_StillExpiresByTheClock_OnTheVeryRequest()
    {
        var admin = new SqliteGrantStore(StorePath);
        var token = await CreateStoredGrantAsync(admin, "runtime", expires: _clock.GetUtcNow().AddMilliseconds(100));
        var registry = new GrantRegistry([], _clock, new SqliteGrantStore(StorePath));
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);

        _clock.Advance(TimeSpan.FromMilliseconds(100));

        Assert.Equal(GrantCheckStatus.Expired, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
    }

    [Fact]
    public async Task AGrantCreatedAfterAnUnknownToken_IsFoundAtItsFirstUse()
    {
        var admin = new SqliteGrantStore(StorePath);
        var registry = new GrantRegistry([], _clock, new SqliteGrantStore(StorePath));
        Assert.Equal(GrantCheckStatus.UnknownToken, (await registry.CheckAsync("Bearer pcg_not-yet", "codex")).Status);

        var token = await CreateStoredGrantAsync(admin, "late");

        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);
    }

    [Fact]
    public async Task AnUnusableStore_FailsTheCheckClosed_OnceTheStampCannotBeRead()
    {
        var admin = new SqliteGrantStore(StorePath);
        var token = await CreateStoredGrantAsync(admin, "runtime");
        var registry = new GrantRegistry([], _clock, new SqliteGrantStore(StorePath));
        Assert.Equal(GrantCheckStatus.Accepted, (await registry.CheckAsync("Bearer " + token, "codex")).Status);

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory, "state.db*"))
        {
            File.Delete(file);
        }

        await File.WriteAllTextAsync(StorePath, new string('x', 8192), TestContext.Current.CancellationToken);
        _clock.Advance(ChangeStampWatch.Interval);

        await Assert.ThrowsAsync<StoreUnavailableException>(() => registry.CheckAsync("Bearer " + token, "codex").AsTask());
        await Assert.ThrowsAsync<StoreUnavailableException>(() => registry.CheckAsync("Bearer " + token, "codex").AsTask());
    }

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
