using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Answers;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Pins;

namespace Portcullis.Gateway.Tests.Proxy;

public sealed class AnswerFilterTests
{
    private static readonly JsonElement s_requestId = JsonDocument.Parse("7").RootElement.Clone();

    [Fact]
    public void Inspect_ToolListWithCaseVariantNamesInsideASchema_IsFilteredNotRefused()
    {
        var filter = ToolsListFilter();
        var answer = """
            {"jsonrpc":"2.0","id":7,"result":{"tools":[
              {"name":"echo","inputSchema":{"type":"object","properties":{"id":{"type":"string"},"ID":{"type":"string"}}}},
              {"name":"secret_tool","inputSchema":{"type":"object"}}]}}
            """;

        Assert.Equal(AnswerVerdict.Relay, filter.Inspect(Encoding.UTF8.GetBytes(answer)));
        var shown = Encoding.UTF8.GetString(filter.Output.Span);
        Assert.Contains("\"ID\"", shown, StringComparison.Ordinal);
        Assert.DoesNotContain("secret_tool", shown, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"echo","Name":"secret_tool"}]}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"result":{"tools":[]},"Result":{"tools":[{"name":"secret_tool"}]}}""")]
    [InlineData("""{"jsonrpc":"2.0","id":7,"method":"ping","result":{"tools":[{"name":"secret_tool"}]}}""")]
    public void Inspect_ToolListAClientCouldReadDifferently_IsUnreadable(string answer)
    {
        var failure = Assert.Throws<UpstreamAnswerException>(() => ToolsListFilter().Inspect(Encoding.UTF8.GetBytes(answer)));

        Assert.Equal(UpstreamFault.ToolListUnreadable, failure.Fault);
    }

    [Fact]
    public async Task PrepareAsync_ToolsQuarantinedByPinningOrNotPinnable_AreWithheldFromTheList()
    {
        var directory = Directory.CreateTempSubdirectory("portcullis-answer-pins-").FullName;
        var store = new InMemoryAuditStore();
        var audit = new AuditLog([store], new AuditConfig(), directory, "gateway", TimeProvider.System, NullLogger<AuditLog>.Instance);
        try
        {
            var pins = new ToolPins(new InMemoryToolPinStore(), audit, TimeProvider.System, NullLogger.Instance);
            using var tools = new ToolCatalog(NoChangeFeed.Instance, pins, NullLogger<ToolCatalog>.Instance);
            var server = new UpstreamServerConfig { Id = "docs", Url = new Uri("http://127.0.0.1:1/mcp") };
            var policy = PolicyParser.Parse("""{"version": "1", "default": "allow"}""", PolicyFormat.Json).Policy!;
            async Task<string> ShownAsync(string answer)
            {
                var filter = new AnswerFilter(s_requestId, new ToolsListRewriter(policy, server, tools), McpMethods.Protocol, 128);
                var bytes = Encoding.UTF8.GetBytes(answer);
                await filter.PrepareAsync(bytes, TestContext.Current.CancellationToken);
                Assert.Equal(AnswerVerdict.Relay, filter.Inspect(bytes));
                return Encoding.UTF8.GetString(filter.Output.Span);
            }

            var first = await ShownAsync("""{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"search","description":"a"},{"name":"odd","description":"\ud800"}]}}""");
            var changed = await ShownAsync("""{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"search","description":"b"}],"nextCursor":"2"}}""");

            Assert.Equal("""{"jsonrpc":"2.0","id":7,"result":{"tools":[{"name":"search","description":"a"}]}}""", first);
            Assert.Equal("""{"jsonrpc":"2.0","id":7,"result":{"tools":[],"nextCursor":"2"}}""", changed);
        }
        finally
        {
            await audit.DisposeAsync();
            Directory.Delete(directory, recursive: true);
        }
    }

    private static AnswerFilter ToolsListFilter()
    {
        var policy = PolicyParser.Parse("""{"version": "1", "default": "allow", "hide": ["secret_*"]}""", PolicyFormat.Json).Policy!;
        return new AnswerFilter(s_requestId, new ToolsListRewriter(policy), McpMethods.Protocol, 128);
    }
}
