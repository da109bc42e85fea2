using System.Diagnostics;
using Portcullis.Gateway.Configuration;
using Portcullis.TestServers;
using static Portcullis.Gateway.Tests.Distributed.DistributedGatewayTests;

namespace Portcullis.Gateway.Tests.Distributed;

/// <summary>Redis stopped in the middle of a run, with a Redis server of the test's own.</summary>
public sealed class StoreOutageTests(PostgresServer postgres)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private const string Generate = """{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"code_generate","arguments":{"description":"x"}}}""";

    private const string Review = """{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"review_code","arguments":{"code":"x"}}}""";

    [Theory]
    [InlineData("Closed")]
    [InlineData("Open")]
    public async Task RedisDown_LimitedCallsFollowTheFailMode_UnlimitedCallsAreUnaffected_AndEnforcementResumes(string mode)
    {
        var failMode = Enum.Parse<FailMode>(mode);
        postgres.Require();
        await using var redis = new RedisServer();
        await redis.InitializeAsync();
        redis.Require();
        var store = new StoreConfig { RedisUrl = redis.Url, PostgresUrl = await postgres.CreateDatabaseAsync() };
        await using var cluster = await GatewayCluster.StartAsync(store, instances: 1, failMode);
        using var http = new HttpClient();
        var url = cluster.McpUrl(0);
        var session = await OpenSessionAsync(http, url);
        Assert.Contains("[demo:", await CallAsync(http, url, Generate, session), StringComparison.Ordinal);

        await redis.StopAsync();
        var served = cluster.Upstream.ToolCallsServed;
        var clock = Stopwatch.StartNew();
        var limited = await CallAsync(http, url, Generate, session);
        var limitedTook = clock.Elapsed;
        var unlimited = await CallAsync(http, url, Review, session);

        if (failMode == FailMode.Closed)
        {
            Assert.Contains("[POLICY DENIED] rate-limit store unavailable", limited, StringComparison.Ordinal);
            Assert.Equal(served + 1, cluster.Upstream.ToolCallsServed);
        }
        else
        {
            Assert.Contains("[demo:", limited, StringComparison.Ordinal);
            Assert.Equal(served + 2, cluster.Upstream.ToolCallsServed);
        }

        Assert.Contains("no issues found", unlimited, StringComparison.Ordinal);
        Assert.True(limitedTook < TimeSpan.FromSeconds(2), $"The limited call took {limitedTook} while Redis was down.");

        // This Redis keeps nothing across a restart: the session is gone, so the client starts a
        // new one (as MCP clients do on 404), and its limited calls are counted in Redis again.
        await redis.StartAsync();
        var reconnected = await WaitUntilAsync(() =>
        {
            using var response = PostAsync(http, url, Review, session).GetAwaiter().GetResult();
            return response.StatusCode == System.Net.HttpStatusCode.NotFound;
        }, TimeSpan.FromSeconds(20));
        Assert.True(reconnected, "The gateway did not reconnect to Redis.");
        Assert.Contains("[demo:", await CallAsync(http, url, Generate, await OpenSessionAsync(http, url)), StringComparison.Ordinal);
        await using var connection = await Portcullis.Storage.Redis.RedisConnection.ConnectAsync(redis.Url, TimeSpan.FromSeconds(2));
        var counters = connection.Multiplexer.GetServer(connection.Multiplexer.GetEndPoints()[0]).Keys(pattern: "portcullis:counter:*").ToList();
        Assert.Single(counters);
        Assert.Equal("1", (await connection.Database.HashGetAsync(counters[0], "n")).ToString());
    }

    private static async Task<string> CallAsync(HttpClient http, Uri url, string body, string session)
    {
        using var response = await PostAsync(http, url, body, session);
        return await response.Content.ReadAsStringAsync(Cancel);
    }
}
