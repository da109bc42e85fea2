using Portcullis.Storage.Events;

namespace Portcullis.Storage.Tests.Events;

public sealed class NoChangeFeedTests
{
    [Fact]
    public async Task Publish_NeverReachesASubscriber_AndTheFeedSaysSo()
    {
        var feed = NoChangeFeed.Instance;
        var received = new List<string>();

        await feed.SubscribeAsync("policies", received.Add, TestContext.Current.CancellationToken);
        await feed.PublishAsync("policies", "codex", TestContext.Current.CancellationToken);

        Assert.False(feed.Delivers);
        Assert.Empty(received);
    }
}
