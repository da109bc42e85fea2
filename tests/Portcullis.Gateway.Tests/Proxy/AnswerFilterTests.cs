using System.Text;
using System.Text.Json;
using Portcullis.Gateway.Proxy;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy;

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

    private static AnswerFilter ToolsListFilter()
    {
        var policy = PolicyParser.Parse("""{"version": "1", "default": "allow", "hide": ["secret_*"]}""", PolicyFormat.Json).Policy!;
        return new AnswerFilter(s_requestId, new ToolsListRewriter(policy), McpMethods.Protocol, 128);
    }
}
