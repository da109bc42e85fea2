using System.Text;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Tests.Proxy;

public sealed class FoldedNamesTests
{
    [Theory]
    [InlineData("""{"name":"a","Name":"b"}""", "Name")]
    [InlineData("""{"params":{},"paramſ":{}}""", "paramſ")]
    [InlineData("""{"k":1,"\u212A":2}""", "\u212A")]
    [InlineData("""{"kind":1,"\u212Aind":2}""", "\u212Aind")]
    [InlineData("""{"n\u0041me":1,"name":2}""", "name")]
    [InlineData("""{"a":{"x":1,"X":2}}""", "X")]
    [InlineData("""[{"id":1},{"ID":1,"Id":2}]""", "Id")]
    public void FindCollision_NamesEqualButForCase_AreFound(string json, string expected)
    {
        Assert.Equal(expected, FoldedNames.FindCollision(Encoding.UTF8.GetBytes(json), 64));
    }

    [Theory]
    [InlineData("""{"name":"a","arguments":{"name":"b"}}""")]
    [InlineData("""[{"id":1},{"ID":1}]""")]
    [InlineData("""{"a":1,"b":{"A":2}}""")]
    [InlineData("""{"straße":1,"strasse":2}""")]
    public void FindCollision_SameNameInDifferentObjects_IsNoCollision(string json)
    {
        Assert.Null(FoldedNames.FindCollision(Encoding.UTF8.GetBytes(json), 64));
    }

    [Fact]
    public void FindCollision_ManyNames_FindsACollisionPastThePairwiseLimit()
    {
        var names = Enumerable.Range(0, 5_000).Select(i => $"\"key{i}\":{i}").ToList();
        names.Add("\"KEY4321\":0");
        var json = Encoding.UTF8.GetBytes("{" + string.Join(",", names) + "}");

        Assert.Equal("KEY4321", FoldedNames.FindCollision(json, 64));
        Assert.Null(FoldedNames.FindCollision(json, 64, deepestChecked: 0));
    }

    [Fact]
    public void FindCollision_DeeperThanChecked_IsNotLookedAt()
    {
        var json = Encoding.UTF8.GetBytes("""{"result":{"content":[{"id":1,"ID":2}]}}""");

        Assert.Null(FoldedNames.FindCollision(json, 64, deepestChecked: 2));
        Assert.Equal("ID", FoldedNames.FindCollision(json, 64));
    }
}
