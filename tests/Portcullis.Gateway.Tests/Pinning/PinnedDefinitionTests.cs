using System.Text.Json;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Gateway.Tests.Pinning;

public sealed class PinnedDefinitionTests
{
    [Fact]
    public void From_WritesTheDocumentedCanonicalForm()
    {
        var pinned = From("""
            { "title": "Search", "_meta": {"x": 1}, "name": "search", "icons": [],
              "inputSchema": { "type": "object", "required": ["b", "a"], "properties": { "b": {"maximum": 1.0}, "a": {"default": null, "enum": [true, 2e3]} } },
              "description": "Line\nbreak\ttab \u0007 bell \"quoted\" back\\slash é \u2028 😀 <&>",
              "annotations": { "readOnlyHint": true, "destructiveHint": false } }
            """);

        Assert.Equal("search", pinned.Name);
        Assert.Equal(
            "{\"annotations\":{\"destructiveHint\":false,\"readOnlyHint\":true},\"description\":\"Line\\nbreak\\ttab \\u0007 bell \\\"quoted\\\" back\\\\slash é \u2028 😀 <&>\",\"inputSchema\":{\"properties\":{\"a\":{\"default\":null,\"enum\":[true,2e3]},\"b\":{\"maximum\":1.0}},\"required\":[\"b\",\"a\"],\"type\":\"object\"},\"name\":\"search\",\"title\":\"Search\"}",
            pinned.Canonical);
        Assert.Equal(PinningTests.Sha256(pinned.Canonical), pinned.Hash);
    }

    [Fact]
    public void From_IgnoresWhitespaceOrderAndUnpinnedMembers_ButNotValues()
    {
        var a = From("""{"name":"t","description":"d","inputSchema":{"type":"object","properties":{"x":{"type":"string"}}}}""");
        var b = From("""{ "inputSchema" : { "properties" : { "x" : { "type" : "string" } }, "type" : "object" }, "_meta": {"v": 2}, "description" : "d", "name" : "t" }""");
        var c = From("""{"name":"t","description":"d ","inputSchema":{"type":"object","properties":{"x":{"type":"string"}}}}""");

        Assert.Equal(a.Hash, b.Hash);
        Assert.NotEqual(a.Hash, c.Hash);
    }

    [Fact]
    public void From_ADefinitionThatIsNotValidUnicode_CannotBePinned_AndItsToolIsMarked()
    {
        using var document = JsonDocument.Parse("""[{"name":"bad","description":"\ud800"},{"name":"good"}]""");

        Assert.Throws<InvalidOperationException>(() => PinnedDefinition.From(document.RootElement[0]));
        var definitions = ToolDefinitions.From(document.RootElement.EnumerateArray());
        Assert.True(definitions.IsUnpinnable("bad"));
        Assert.Null(definitions.DefinitionOf("bad"));
        Assert.NotNull(definitions.DefinitionOf("good"));
    }

    [Theory]
    [InlineData("""{"name":"t","title":"A"}""", """{"name":"t","title":"B"}""", "title changed")]
    [InlineData("""{"name":"t"}""", """{"name":"t","annotations":{"destructiveHint":true}}""", "annotations added")]
    [InlineData("""{"name":"t","description":"d"}""", """{"name":"t"}""", "description removed")]
    [InlineData("""{"name":"t","inputSchema":{"type":"object","properties":{"a":{},"b":{"type":"string"}}}}""",
        """{"name":"t","inputSchema":{"type":"object","properties":{"b":{"type":"number"},"c":{}}}}""",
        "inputSchema.properties.a removed; inputSchema.properties.b changed; inputSchema.properties.c added")]
    [InlineData("""{"name":"t","inputSchema":{"type":"object","properties":{"a":{}}}}""", """{"name":"t","inputSchema":{"type":"object","properties":{"a":{}},"required":["a"]}}""",
        "inputSchema changed")]
    [InlineData("""{"name":"t","outputSchema":{"type":"object","properties":{"n":{}}}}""", """{"name":"t","outputSchema":{"type":"object"}}""",
        "outputSchema.properties.n removed")]
    [InlineData("""{"name":"t","inputSchema":{"type":"object"}}""", """{"name":"t","inputSchema":true}""", "inputSchema changed")]
    public void Changes_NameEachPartThatDiffers(string before, string after, string summary)
    {
        Assert.Equal(summary, DefinitionChanges.Summary(DefinitionChanges.Between(From(before).Canonical, From(after).Canonical)));
    }

    [Fact]
    public void Changes_FromNothingApproved_ListEveryPartAsAdded()
    {
        var changes = DefinitionChanges.Between(null, From("""{"name":"t","description":"d"}""").Canonical);

        Assert.Equal([new DefinitionChange("name", "added", null, "\"t\""), new DefinitionChange("description", "added", null, "\"d\"")], changes);
    }

    private static PinnedDefinition From(string json)
    {
        using var document = JsonDocument.Parse(json);
        return PinnedDefinition.From(document.RootElement)!;
    }
}
