using Portcullis.Gateway.Policies;
using Portcullis.Policy;
using Portcullis.Storage;

namespace Portcullis.Gateway.Tests.Policies;

public sealed class PolicyToolNameCheckTests
{
    private static readonly ServedPolicy s_typo = Served("""{"version": "1", "default": "deny", "tools": {"ecoh": {}}}""", version: 1);

    private readonly CapturingLogger<PolicyRegistry> _logger = new();
    private IReadOnlyCollection<string>? _tools;
    private bool _storeDown;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task CheckAsync_SameVersionTwice_WarnsOnce_AndAgainForTheNextVersion()
    {
        _tools = ["echo"];
        var check = new PolicyToolNameCheck(KnownToolsAsync, _logger);

        await check.CheckAsync("docs", s_typo, Cancel);
        await check.CheckAsync("docs", s_typo, Cancel);
        await check.CheckAsync("docs", s_typo with { Version = 2 }, Cancel);

        Assert.Equal(2, _logger.Entries.Count(e => e.EventId == 1009));
        Assert.All(_logger.Entries, e => Assert.EndsWith("Did you mean 'echo'?", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckAsync_WhileTheToolsAreUnknownOrTheStoreIsDown_WarnsNothing_AndChecksTheVersionOnceTheyAreKnown()
    {
        var check = new PolicyToolNameCheck(KnownToolsAsync, _logger);
        _tools = [];
        await check.CheckAsync("docs", s_typo, Cancel);
        _storeDown = true;
        await check.CheckAsync("docs", s_typo, Cancel);
        Assert.Empty(_logger.Entries);

        (_tools, _storeDown) = (["echo"], false);
        await check.CheckAsync("docs", s_typo, Cancel);

        Assert.Single(_logger.Entries, e => e.EventId == 1009);
    }

    private ValueTask<IReadOnlyCollection<string>> KnownToolsAsync(string serverId, CancellationToken cancellationToken) =>
        _storeDown ? throw new StoreUnavailableException("the pin store is down") : ValueTask.FromResult(_tools!);

    private static ServedPolicy Served(string text, int version) => new(PolicyParser.Parse(text, PolicyFormat.Json).Policy!, version);
}
