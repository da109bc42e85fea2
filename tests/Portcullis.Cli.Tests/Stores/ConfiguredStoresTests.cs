using System.Collections.Immutable;
using Microsoft.Data.Sqlite;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Events;
using Portcullis.Storage.Grants;

namespace Portcullis.Cli.Tests.Stores;

/// <summary>The configured store mapped to its backend, as every command and <c>serve</c> open it.</summary>
public sealed class ConfiguredStoresTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-stores-").FullName;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task OpenAsync_Memory_KeepsNoGrantsAndDeliversNoMessages()
    {
        await using var stores = await ConfiguredStores.OpenAsync(StoreConfig.Memory, TimeSpan.FromHours(1), TimeProvider.System, Cancel);

        Assert.Same(NoGrantStore.Instance, stores.Grants);
        Assert.Same(NoChangeFeed.Instance, stores.Changes);
        Assert.Empty(stores.Connections);
    }

    [Fact]
    public async Task OpenAsync_Sqlite_KeepsGrantsInTheFile_SeenByASecondOpening()
    {
        var store = StoreConfig.Sqlite(Path.Combine(_directory, "state.db"));
        await using var first = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);
        await using var second = await ConfiguredStores.OpenAsync(store, TimeSpan.FromHours(1), TimeProvider.System, Cancel);

        Assert.True(await first.Grants.CreateAsync(new StoredGrant
        {
            Name = "ci", TokenHash = [.. new byte[32]], Servers = ["codex"], Labels = ImmutableDictionary<string, string>.Empty, CreatedAt = DateTimeOffset.UnixEpoch,
        }, Cancel));

        Assert.True(second.Grants.KeepsGrants);
        Assert.False(second.Changes.Delivers);
        Assert.Equal(["ci"], (await second.Grants.ListAsync(Cancel)).Select(g => g.Name));
    }
}
