using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Sqlite;

namespace Portcullis.Gateway.Tests.Calls;

/// <summary>Reserving a decided call's limits: all or nothing, and what an unreachable counter store does under each fail mode.</summary>
public sealed class LimitReserverTests : IDisposable
{
    private const string Policy = """
        {
          "version": "1",
          "default": "allow",
          "tools": {
            "echo": { "limits": [
              { "counter": "echo_minute", "window": "minute", "max": 5, "scope": "grant" },
              { "counter": "echo_hour", "window": "hour", "max": 1, "scope": "grant" }
            ] }
          }
        }
        """;

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-limits-").FullName;

    [Fact]
    public async Task ALimitThatRefuses_DeniesTheCall_AndGivesBackWhatTheEarlierLimitsTook()
    {
        var counters = new InMemoryCounterStore(TimeProvider.System);
        var reserver = new LimitReserver(counters, FailMode.Closed, NullLogger.Instance);
        var (decision, call) = Decide(Policy);

        var first = await reserver.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);
        var second = await reserver.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);

        Assert.Null(first.Denial);
        Assert.Equal(2, first.Leases.Count);
        Assert.Equal(decision.Limits[1].Limit.RuleId, second.Denial!.Value.RuleId);
        Assert.Empty(second.Leases);
        // The minute counter was given back: four more fit in it, the fifth would not.
        var minute = decision.Limits[0];
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(CounterReservationOutcome.Acquired, (await counters.TryReserveAsync(minute.CounterKey, minute.WindowStart, minute.WindowEnd, minute.Max, 1,
                TestContext.Current.CancellationToken)).Outcome);
        }

        Assert.NotEqual(CounterReservationOutcome.Acquired, (await counters.TryReserveAsync(minute.CounterKey, minute.WindowStart, minute.WindowEnd, minute.Max, 1,
            TestContext.Current.CancellationToken)).Outcome);
    }

    [Fact]
    public async Task StoreUnavailable_FailClosed_DeniesNamingTheStore()
    {
        var reserver = new LimitReserver(UnusableSqliteStore(), FailMode.Closed, NullLogger.Instance);
        var (decision, call) = Decide(Policy);

        var reserved = await reserver.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);

        Assert.Equal(LimitReserver.StoreUnavailableReason, reserved.Denial!.Value.Reason);
        Assert.Equal(decision.Limits[0].Limit.RuleId, reserved.Denial.Value.RuleId);
        Assert.Empty(reserved.Leases);
    }

    [Fact]
    public async Task StoreUnavailable_FailOpen_LetsTheCallThrough_AndItsRecordSaysSo()
    {
        var reserver = new LimitReserver(UnusableSqliteStore(), FailMode.Open, NullLogger.Instance);
        var (decision, call) = Decide(Policy);

        var reserved = await reserver.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);

        Assert.Null(reserved.Denial);
        Assert.Equal(new ReservedLimits.RecordedAs(AuditDecisions.FailOpenAllow, decision.Limits[1].Limit.RuleId, LimitReserver.StoreUnavailableReason),
            reserved.RecordAs);
    }

    [Fact]
    public async Task ShadowPolicy_NeverDenies_EvenWithTheStoreDown_AndRecordsWhatItWouldHaveDenied()
    {
        var shadow = Policy.Replace("\"default\": \"allow\",", "\"default\": \"allow\", \"mode\": \"shadow\",", StringComparison.Ordinal);
        var (decision, call) = Decide(shadow);
        var down = new LimitReserver(UnusableSqliteStore(), FailMode.Closed, NullLogger.Instance);
        var up = new LimitReserver(new InMemoryCounterStore(TimeProvider.System), FailMode.Closed, NullLogger.Instance);

        var whileDown = await down.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);
        await up.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);
        var overLimit = await up.ReserveAsync(decision, call, "agent", TestContext.Current.CancellationToken);

        Assert.Null(whileDown.Denial);
        Assert.Null(whileDown.RecordAs);
        Assert.Null(overLimit.Denial);
        Assert.Equal(AuditDecisions.ShadowDeny, overLimit.RecordAs!.Decision);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static (PolicyDecision Decision, ToolCall Call) Decide(string policy)
    {
        var compiled = PolicyParser.Parse(policy, PolicyFormat.Json).Policy!;
        using var arguments = JsonDocument.Parse("{}");
        var call = new ToolCall("docs", "echo", arguments.RootElement.Clone(), new PolicyGrant("agent", System.Collections.Immutable.ImmutableDictionary<string, string>.Empty),
            "pcs_1", TimeProvider.System.GetUtcNow());
        return (compiled.Evaluate(call), call);
    }

    /// <summary>A SQLite counter store whose file stopped being a database after it was opened: a real outage.</summary>
    private SqliteCounterStore UnusableSqliteStore()
    {
        var path = Path.Combine(_directory, "counters.db");
        var store = new SqliteCounterStore(path, TimeProvider.System);
        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.GetFiles(_directory, "counters.db*"))
        {
            File.Delete(file);
        }

        File.WriteAllText(path, new string('x', 8192));
        return store;
    }
}
