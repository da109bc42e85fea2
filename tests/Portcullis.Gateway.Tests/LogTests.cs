using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Portcullis.Gateway.Tests;

/// <summary>The gateway's log event ids: unique, in their feature's thousand, and each documented with its message in docs/operations.md.</summary>
public sealed class LogTests
{
    private static readonly string[] s_features = ["", "Policies", "Calls", "Upstreams", "Stores", "Audit", "Approvals", "Tools and pinning", "Readiness and telemetry"];

    [Fact]
    public void EveryEvent_HasAUniqueIdOfAKnownFeature_AndIsInTheOperationsTable()
    {
        var events = typeof(Log).GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .ToList();
        var operations = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));

        Assert.NotEmpty(events);
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        Assert.All(events, e =>
        {
            Assert.InRange(e.EventId, 1000, s_features.Length * 1000 - 1);
            var row = $"| {e.EventId} | {s_features[e.EventId / 1000]} | {e.Level} | `` {e.Message!.Replace("\n", "\\n", StringComparison.Ordinal)} `` ";
            Assert.Contains(row, operations, StringComparison.Ordinal);
        });
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The checkout's root (Portcullis.slnx) is not above the test binaries.");
    }
}
