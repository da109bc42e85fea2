using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Policies;
using Portcullis.Policy.Documents;
using Portcullis.Storage.Policies;
using Portcullis.Storage.Events;

namespace Portcullis.Gateway.Tests.Policies;

/// <summary>How the registry starts from a server's policy file and the stored versions, and reads the watched file.</summary>
public sealed class PolicyRegistryTests : IDisposable
{
    private const string Initial = """{"version": "1", "default": "allow"}""";
    private const string FirstHalf = """{"version": "1", "default": """;
    private const string SecondHalf = """ "deny"}""";

    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-policy-").FullName;

    [Fact]
    public async Task Watch_FileWrittenInTwoHalves_AppliesTheFinalVersionOnceAndRejectsNothing()
    {
        var path = Path.Combine(_directory, "files.json");
        await File.WriteAllTextAsync(path, Initial, TestContext.Current.CancellationToken);
        var store = new InMemoryPolicyStore();
        var logger = new CapturingLogger<PolicyRegistry>();
        var server = new UpstreamServerConfig { Id = "files", Url = new Uri("http://127.0.0.1:9/mcp"), PolicyPath = path };
        using var registry = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger);
        await registry.InitializeAsync(TestContext.Current.CancellationToken);

        // Like `cat > file <<EOF`: truncate, write part of the text, pause, write the rest.
        await using (var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        {
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(FirstHalf), TestContext.Current.CancellationToken);
            await file.FlushAsync(TestContext.Current.CancellationToken);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            await file.WriteAsync(System.Text.Encoding.UTF8.GetBytes(SecondHalf), TestContext.Current.CancellationToken);
        }

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (registry.VersionOf("files") < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        // Time for any further (late) reload to show up.
        await Task.Delay(PolicyFileWatcher.QuietPeriod * 3, TestContext.Current.CancellationToken);

        Assert.Equal(2, registry.VersionOf("files"));
        Assert.Equal(2, (await store.ListAsync("files", TestContext.Current.CancellationToken)).Count);
        Assert.Equal(FirstHalf + SecondHalf, (await store.LatestAsync("files", cancellationToken: TestContext.Current.CancellationToken))!.Text);
        Assert.DoesNotContain(logger.Entries, e => e.EventId is 1002 or 1003);
    }

    [Fact]
    public async Task Initialize_InvalidFile_RefusesByDefault_AndServesTheNewestStoredVersionWhenAsked()
    {
        var path = Path.Combine(_directory, "files.json");
        var store = new InMemoryPolicyStore();
        await store.SaveAsync(new NewPolicyVersion("files", Initial, "json", "file", path, DateTimeOffset.UnixEpoch), TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(path, """{"version": "1", "default": "maybe"}""", TestContext.Current.CancellationToken);
        var server = new UpstreamServerConfig { Id = "files", Url = new Uri("http://127.0.0.1:9/mcp"), PolicyPath = path };
        var logger = new CapturingLogger<PolicyRegistry>();
        using var refusing = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger);
        using var fallingBack = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger, InvalidPolicyFile.UseStored);
        using var nothingStored = new PolicyRegistry([server], new InMemoryPolicyStore(), NoChangeFeed.Instance, audit: null, TimeProvider.System, logger,
            InvalidPolicyFile.UseStored);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => refusing.InitializeAsync(TestContext.Current.CancellationToken));
        await fallingBack.InitializeAsync(TestContext.Current.CancellationToken);
        await Assert.ThrowsAsync<InvalidOperationException>(() => nothingStored.InitializeAsync(TestContext.Current.CancellationToken));

        Assert.Contains("/default", refused.Message, StringComparison.Ordinal);
        Assert.Equal(1, fallingBack.VersionOf("files"));
        Assert.Single(await store.ListAsync("files", TestContext.Current.CancellationToken));
        var warning = Assert.Single(logger.Entries, e => e.EventId == 1007);
        Assert.Contains("serving the newest stored version 1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Initialize_AfterASaveOrRestore_SaysTheStoredVersionServesInsteadOfTheFile()
    {
        var path = Path.Combine(_directory, "files.json");
        await File.WriteAllTextAsync(path, Initial, TestContext.Current.CancellationToken);
        var store = new InMemoryPolicyStore();
        var server = new UpstreamServerConfig { Id = "files", Url = new Uri("http://127.0.0.1:9/mcp"), PolicyPath = path };
        var logger = new CapturingLogger<PolicyRegistry>();
        using (var first = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger))
        {
            await first.InitializeAsync(TestContext.Current.CancellationToken);
        }

        await store.SaveAsync(new NewPolicyVersion("files", """{"version": "1", "default": "deny"}""", "json", "cli", "lock down", DateTimeOffset.UnixEpoch),
            TestContext.Current.CancellationToken);
        using var restarted = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger);
        await restarted.InitializeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, restarted.VersionOf("files"));
        var warning = Assert.Single(logger.Entries, e => e.EventId == 1008);
        Assert.Contains("serves policy version 2 (cli: lock down), not its policy file", warning.Message, StringComparison.Ordinal);
        Assert.Contains("which matches version 1", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RulesAndHidesNamingNoListedTool_AreWarnedOncePerVersion_WithTheClosestName()
    {
        var path = Path.Combine(_directory, "everything.json");
        await File.WriteAllTextAsync(path, """{"version": "1", "default": "deny", "hide": ["*Long*"], "tools": {"ecoh": {}}}""", TestContext.Current.CancellationToken);
        var store = new InMemoryPolicyStore();
        var server = new UpstreamServerConfig { Id = "everything", Url = new Uri("http://127.0.0.1:9/mcp"), PolicyPath = path };
        var logger = new CapturingLogger<PolicyRegistry>();
        var asked = 0;
        using var registry = new PolicyRegistry([server], store, NoChangeFeed.Instance, audit: null, TimeProvider.System, logger,
            knownTools: (_, _) =>
            {
                Interlocked.Increment(ref asked);
                return ValueTask.FromResult<IReadOnlyCollection<string>>(["echo", "longRunningOperation"]);
            });

        await registry.InitializeAsync(TestContext.Current.CancellationToken);
        await registry.RefreshAsync(TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(path, """{"version": "1", "default": "deny", "tools": {"echo": {}}}""", TestContext.Current.CancellationToken);
        await registry.ReloadAsync("everything", path, TestContext.Current.CancellationToken);

        var warnings = logger.Entries.Where(e => e.EventId == 1009).Select(e => e.Message).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.Contains(warnings, w => w.Contains("/tools/ecoh", StringComparison.Ordinal) && w.EndsWith("Did you mean 'echo'?", StringComparison.Ordinal));
        Assert.Contains(warnings, w => w.Contains("/hide/0", StringComparison.Ordinal) && w.Contains("ignoring case it would match 'longRunningOperation'", StringComparison.Ordinal));
        Assert.Equal(2, asked);
    }

    [Fact]
    public async Task Initialize_FromALoadedConfiguration_ServesThePolicyTheLoaderParsed_UnlessTheFileChangedSince()
    {
        var path = Path.Combine(_directory, "files.json");
        await File.WriteAllTextAsync(path, Initial, TestContext.Current.CancellationToken);
        var (config, errors) = ConfigLoader.Load("""
            {"store": "memory", "servers": [{"id": "files", "url": "http://127.0.0.1:9/mcp", "policy": "files.json"}]}
            """, _directory, _ => null);
        Assert.Empty(errors);
        var loaded = Assert.Single(config!.Servers).PolicyFile!;
        var logger = new CapturingLogger<PolicyRegistry>();
        using var registry = new PolicyRegistry(config.Servers, new InMemoryPolicyStore(), NoChangeFeed.Instance, audit: null, TimeProvider.System, logger);
        await registry.InitializeAsync(TestContext.Current.CancellationToken);

        await File.WriteAllTextAsync(path, """{"version": "1", "default": "deny"}""", TestContext.Current.CancellationToken);
        using var afterAnEdit = new PolicyRegistry(config.Servers, new InMemoryPolicyStore(), NoChangeFeed.Instance, audit: null, TimeProvider.System, logger);
        await afterAnEdit.InitializeAsync(TestContext.Current.CancellationToken);

        Assert.Equal(Initial, loaded.Text);
        Assert.Same(loaded.Parsed.Policy, registry.For("files"));
        Assert.Equal(DefaultAction.Deny, afterAnEdit.For("files")!.Document.Default);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
