using Portcullis.Gateway.Policies;
using Portcullis.Policy;

namespace Portcullis.Gateway.Tests.Policies;

public sealed class PolicyFormatsTests
{
    [Theory]
    [InlineData("policy.json", "json")]
    [InlineData("policy.yaml", "yaml")]
    [InlineData("/etc/portcullis/POLICY.YML", "yaml")]
    [InlineData("policy.txt", "json")]
    public void NameOfFile_ByExtension_IsTheStoredName(string path, string expected) => Assert.Equal(expected, PolicyFormats.NameOfFile(path));

    [Theory]
    [InlineData(PolicyFormat.Json)]
    [InlineData(PolicyFormat.Yaml)]
    public void Parse_OfName_RoundTrips(PolicyFormat format) => Assert.Equal(format, PolicyFormats.Parse(PolicyFormats.Name(format)));
}
