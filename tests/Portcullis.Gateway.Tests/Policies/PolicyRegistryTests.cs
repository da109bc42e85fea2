using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Policies;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Tests.Policies;

/// <summary>The watched policy file is read only once a save has finished.</summary>
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
        using var registry = new PolicyRegistry([server], store, changes: null, audit: null, TimeProvider.System, logger);
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
        await Task.Delay(PolicyRegistry.QuietPeriod * 3, TestContext.Current.CancellationToken);

        Assert.Equal(2, registry.VersionOf("files"));
        Assert.Equal(2, (await store.ListAsync("files", TestContext.Current.CancellationToken)).Count);
        Assert.Equal(FirstHalf + SecondHalf, (await store.LatestAsync("files", cancellationToken: TestContext.Current.CancellationToken))!.Text);
        Assert.DoesNotContain(logger.Entries, e => e.EventId is 1002 or 1003);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
