using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Policies;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Policies;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Tests.Policies;

public sealed class PolicyPublisherTests : IAsyncDisposable
{
    private const string Allowing = """{"version": "1", "default": "allow"}""";
    private const string Denying = """{"version": "1", "default": "deny"}""";

    private readonly string _spill = Directory.CreateTempSubdirectory("portcullis-publisher-").FullName;
    private readonly InMemoryPolicyStore _store = new();
    private readonly InMemoryAuditStore _auditStore = new();
    private readonly AuditLog _audit;
    private readonly PolicyPublisher _publisher;

    public PolicyPublisherTests()
    {
        _audit = new AuditLog([_auditStore], new AuditConfig(), _spill, "gateway", TimeProvider.System, NullLogger<AuditLog>.Instance);
        _publisher = new PolicyPublisher(_store, NoChangeFeed.Instance, _audit);
    }

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SaveAsync_ValidPolicy_SavesTheNextVersion_AndAuditsWhoDidIt()
    {
        await _publisher.SaveAsync(New(Allowing, "cli", "first"), "alice", Cancel);

        var result = await _publisher.SaveAsync(New(Denying, "cli", "lock down"), "alice", Cancel);
        await _audit.FlushAsync(Cancel);

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Saved!.Version);
        Assert.NotNull(result.Policy);
        Assert.Equal(Denying, (await _store.LatestAsync("files", cancellationToken: Cancel))!.Text);
        var records = await AuditRecordsAsync();
        Assert.Equal(2, records.Count);
        var second = records.Single(r => r.After == "2");
        Assert.Equal(("alice", "policy.saved", "server:files", "1", "cli: lock down"), (second.Actor, second.Action, second.Target, second.Before, second.Reason));
    }

    [Fact]
    public async Task SaveAsync_Restore_IsAuditedAsARestore()
    {
        await _publisher.SaveAsync(New(Allowing, "restore", "restored from version 1"), "alice", Cancel);
        await _audit.FlushAsync(Cancel);

        var record = Assert.Single(await AuditRecordsAsync());
        Assert.Equal(("policy.restored", null), (record.Action, record.Before));
    }

    [Fact]
    public async Task SaveAsync_InvalidPolicy_ReturnsTheErrors_AndSavesAndAuditsNothing()
    {
        var result = await _publisher.SaveAsync(New("""{"version": "1", "default": "maybe"}""", "cli", "typo"), "alice", Cancel);
        await _audit.FlushAsync(Cancel);

        Assert.Null(result.Saved);
        Assert.Null(result.Policy);
        Assert.Contains(result.Errors, e => e.ToString().Contains("/default", StringComparison.Ordinal));
        Assert.Empty(await _store.ListAsync("files", Cancel));
        Assert.Empty(await AuditRecordsAsync());
    }

    [Fact]
    public async Task ImportAsync_TextUnchangedSinceTheLastImportFromTheSameSource_SavesNothing()
    {
        var first = await _publisher.ImportAsync(New(Allowing, "file", "/p.json"), "gateway", parsed: null, Cancel);
        await _publisher.SaveAsync(New(Denying, "cli", "lock down"), "alice", Cancel);

        var again = await _publisher.ImportAsync(New(Allowing, "file", "/p.json"), "gateway", parsed: null, Cancel);
        var changed = await _publisher.ImportAsync(New(Denying, "file", "/p.json"), "gateway", parsed: null, Cancel);

        Assert.Equal(1, first!.Saved!.Version);
        Assert.Null(again);
        Assert.Equal(3, changed!.Saved!.Version);
    }

    [Fact]
    public async Task ImportAsync_WithAParseResult_UsesItInsteadOfParsingAgain()
    {
        var parsed = Portcullis.Policy.PolicyParser.Parse(Allowing, Portcullis.Policy.PolicyFormat.Json);

        var imported = await _publisher.ImportAsync(New(Allowing, "file", "/p.json"), "gateway", parsed, Cancel);

        Assert.Same(parsed.Policy, imported!.Policy);
    }

    public async ValueTask DisposeAsync()
    {
        await _audit.DisposeAsync();
        Directory.Delete(_spill, recursive: true);
    }

    private async Task<List<AuditRecord>> AuditRecordsAsync() => [.. await _auditStore.QueryAsync(new AuditQuery(), Cancel)];

    private static NewPolicyVersion New(string text, string source, string comment) => new("files", text, "json", source, comment, DateTimeOffset.UnixEpoch);
}
