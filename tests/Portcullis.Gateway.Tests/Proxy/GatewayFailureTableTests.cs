using System.Text.RegularExpressions;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Tests.Proxy;

/// <summary>The one table of failures: complete, and the operator's documentation says what it says.</summary>
public sealed partial class GatewayFailureTableTests
{
    [Fact]
    public void EveryFailure_HasAShape_WithAnErrorStatusAndAJsonRpcErrorCode()
    {
        foreach (var failure in Enum.GetValues<GatewayFailure>())
        {
            var shape = GatewayFailures.Of(failure);
            Assert.True(shape.Status is 200 or (>= 400 and < 600), $"{failure}: status {shape.Status}");
            Assert.InRange(shape.Code, -32768, -32000);
            Assert.False(string.IsNullOrEmpty(shape.AuditAction), $"{failure} has no audit action");
            Assert.True(shape.EventId > 0, $"{failure} has no event id");
        }
    }

    [Fact]
    public void OperationsGuide_ListsEveryFailure_AsTheTableDefinesIt()
    {
        var guide = File.ReadAllText(Path.Combine(RepositoryRoot(), "docs", "operations.md"));
        var documented = DocumentedRow().Matches(guide).ToDictionary(m => m.Groups["kind"].Value,
            m => (int.Parse(m.Groups["status"].Value), int.Parse(m.Groups["code"].Value), m.Groups["action"].Value, int.Parse(m.Groups["event"].Value)));

        foreach (var failure in Enum.GetValues<GatewayFailure>())
        {
            var shape = GatewayFailures.Of(failure);
            Assert.True(documented.TryGetValue(failure.ToString(), out var row), $"docs/operations.md does not list {failure}");
            Assert.Equal((shape.Status, shape.Code, shape.AuditAction, shape.EventId), row);
        }

        Assert.Equal(Enum.GetValues<GatewayFailure>().Length, documented.Count);
    }

    [Fact]
    public void ErrorsAnswerWithTheirKindsShape_UnlessTheyCarryTheirOwnStatus()
    {
        Assert.Equal((404, -32600, "unknown_session"), (GatewayError.UnknownSession().StatusCode, GatewayError.UnknownSession().Code, GatewayError.UnknownSession().AuditAction));
        Assert.Equal(400, GatewayError.MethodNotFound("no", isRequest: false).StatusCode);
        Assert.Equal(200, GatewayError.MethodNotFound("no", isRequest: true).StatusCode);
        Assert.Equal(409, new GatewayError(GatewayFailure.UpstreamRefused, "refused") { StatusCode = 409 }.StatusCode);
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Portcullis.slnx")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("The repository root (Portcullis.slnx) is not above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^\| `(?<kind>\w+)` \| (?<status>\d+) \| (?<code>-\d+) \| `(?<action>[\w.]+)` \| (?<event>\d+) \|", RegexOptions.Multiline)]
    private static partial Regex DocumentedRow();
}
