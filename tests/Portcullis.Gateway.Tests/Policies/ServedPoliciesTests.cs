using Portcullis.Gateway.Policies;
using Portcullis.Policy;
using Portcullis.Policy.Documents;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Tests.Policies;

public sealed class ServedPoliciesTests
{
    private const string Allowing = """{"version": "1", "default": "allow"}""";
    private const string Denying = """{"version": "1", "default": "deny"}""";

    private readonly CapturingLogger<PolicyRegistry> _logger = new();

    [Fact]
    public void Current_NothingApplied_IsNullAndVersionZero()
    {
        var served = new ServedPolicies(_logger);

        Assert.Null(served.Current("files"));
        Assert.Equal(0, served.VersionOf("files"));
    }

    [Fact]
    public void Apply_NewerThenOlderVersion_KeepsTheNewerAndLogsOnlyWhatWasPutInForce()
    {
        var served = new ServedPolicies(_logger);

        Assert.True(served.Apply(Version(2, Denying)));
        Assert.True(served.Apply(Version(1, Allowing)));
        Assert.True(served.Apply(Version(2, Allowing)));

        Assert.Equal(2, served.VersionOf("files"));
        Assert.Equal(DefaultAction.Deny, served.Current("files")!.Policy.Document.Default);
        var applied = Assert.Single(_logger.Entries, e => e.EventId == 1004);
        Assert.Contains("is now version 2 (cli: test)", applied.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_InvalidStoredText_IsRefusedAndLogged_AndTheVersionInForceKeepsServing()
    {
        var served = new ServedPolicies(_logger);
        served.Apply(Version(1, Allowing));

        Assert.False(served.Apply(Version(2, """{"version": "1", "default": "maybe"}""")));

        Assert.Equal(1, served.VersionOf("files"));
        var rejected = Assert.Single(_logger.Entries, e => e.EventId == 1005);
        Assert.Contains("/default", rejected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_WithTheCompiledPolicy_ServesThatInstance()
    {
        var served = new ServedPolicies(_logger);
        var compiled = PolicyParser.Parse(Denying, PolicyFormat.Json).Policy!;

        served.Apply(Version(1, Denying), compiled);

        Assert.Same(compiled, served.Current("files")!.Policy);
    }

    private static PolicyVersion Version(int number, string text) =>
        new NewPolicyVersion("files", text, "json", "cli", "test", DateTimeOffset.UnixEpoch).Numbered(number);
}
