using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Policy.Tests.Conditions;

/// <summary><c>path_under</c> and <c>path_not_under</c>: normalisation, whole-segment comparison, and refusal that fails closed.</summary>
public sealed class PathUnderTests
{
    public enum Where
    {
        Under,
        Outside,
        Refused,
    }

    [Theory]
    // Inside, after normalisation.
    [InlineData("/data", Where.Under)]
    [InlineData("/data/", Where.Under)]
    [InlineData("/data/x", Where.Under)]
    [InlineData("/data/./x", Where.Under)]
    [InlineData("/data//x", Where.Under)]
    [InlineData("/data/x/../y", Where.Under)]
    [InlineData("/data/x/..", Where.Under)]
    [InlineData("\\data\\x", Where.Under)]
    [InlineData("/data/%41", Where.Under)]
    [InlineData("/data/%C3%A9t%C3%A9", Where.Under)]
    [InlineData("/data/100%", Where.Under)]
    [InlineData("/data/%zz", Where.Under)]
    [InlineData("/data/x:y", Where.Under)]
    [InlineData("/data/.hidden", Where.Under)]
    // Outside.
    [InlineData("/data/../etc/passwd", Where.Outside)]
    [InlineData("/data/..", Where.Outside)]
    [InlineData("/data%2f..%2fetc", Where.Outside)]
    [InlineData("/data/%2e%2e/etc", Where.Outside)]
    [InlineData("/data/%2E%2E", Where.Outside)]
    [InlineData("\\data\\..\\etc", Where.Outside)]
    [InlineData("/data\\..\\etc", Where.Outside)]
    [InlineData("/database/x", Where.Outside)]
    [InlineData("/database", Where.Outside)]
    [InlineData("/dat", Where.Outside)]
    [InlineData("/", Where.Outside)]
    [InlineData("/DATA/x", Where.Outside)]
    [InlineData("/etc/passwd", Where.Outside)]
    // Refused.
    [InlineData("data/x", Where.Refused)]
    [InlineData("./data/x", Where.Refused)]
    [InlineData("%2e%2e", Where.Refused)]
    [InlineData("%2e%2e/etc", Where.Refused)]
    [InlineData("~/x", Where.Refused)]
    [InlineData("~root/data", Where.Refused)]
    [InlineData("", Where.Refused)]
    [InlineData(" /data/x", Where.Refused)]
    [InlineData("C:\\data\\x", Where.Refused)]
    [InlineData("/../x", Where.Refused)]
    [InlineData("/data/../../etc", Where.Refused)]
    [InlineData("/data/%2e%2e/%2e%2e/etc", Where.Refused)]
    [InlineData("/data/%252e%252e/x", Where.Refused)]
    [InlineData("/data/%2541", Where.Refused)]
    [InlineData("//data/x", Where.Refused)]
    [InlineData("\\\\server\\data\\x", Where.Refused)]
    [InlineData("/data/.../x", Where.Refused)]
    [InlineData("/data/.. /x", Where.Refused)]
    [InlineData("/data/%c0%ae%c0%ae/x", Where.Refused)]
    [InlineData("/data/%e2%82", Where.Refused)]
    [InlineData("/data/\uFF0E\uFF0E/x", Where.Refused)]
    [InlineData("/data\uFF0F..\uFF0Fetc", Where.Refused)]
    public void PathUnder_RootData_ClassifiesThePath(string path, Where expected)
    {
        Assert.Equal(expected, Classify(path, "\"/data\""));
    }

    [Theory]
    [InlineData("/data/x\u0000.txt")]
    [InlineData("/data/%00")]
    [InlineData("/data/x\n")]
    [InlineData("/data/x%0a")]
    [InlineData("/data/\u007f")]
    [InlineData("/data/%c2%85")]
    public void PathUnder_ControlCharacter_IsRefused(string path)
    {
        Assert.Equal(Where.Refused, Classify(path, "\"/data\""));
        Assert.Equal(LexicalPath.ControlCharacter, Problem(path));
    }

    [Theory]
    [InlineData("/data/../../etc", LexicalPath.ClimbsAboveRoot)]
    [InlineData("data/x", LexicalPath.Relative)]
    [InlineData("~/x", LexicalPath.Tilde)]
    [InlineData("/data/%252e%252e/x", LexicalPath.DoubleEncoded)]
    [InlineData("//server/share", LexicalPath.NetworkShare)]
    [InlineData("/data/.../x", LexicalPath.DotSegment)]
    [InlineData("/data/%ff", LexicalPath.InvalidEncoding)]
    [InlineData("/data/\u2215etc", LexicalPath.Lookalike)]
    [InlineData("", LexicalPath.Empty)]
    public void Normalize_RefusedPath_NamesTheProblem(string path, string problem)
    {
        Assert.Equal(problem, Problem(path));
    }

    [Theory]
    [InlineData("/data/./a//b/../c/", "/data/a/c")]
    [InlineData("\\a\\b", "/a/b")]
    [InlineData("/a/%2e/b", "/a/b")]
    [InlineData("/..a/b..", "/..a/b..")]
    [InlineData("/a/..", "/")]
    [InlineData("/", "/")]
    public void Normalize_CleanPath_IsCanonical(string path, string normalized)
    {
        Assert.Equal(normalized, LexicalPath.Normalize(path, out var problem));
        Assert.Null(problem);
    }

    [Fact]
    public void Normalize_LongPath_UsesAPooledBuffer()
    {
        var path = "/data" + string.Concat(Enumerable.Repeat("/segment/.", 100)) + "/%2e%2e/x";

        Assert.Equal("/data" + string.Concat(Enumerable.Repeat("/segment", 99)) + "/x", LexicalPath.Normalize(path, out _));
        Assert.Equal(Where.Under, Classify(path, "\"/data\""));
        Assert.Equal(LexicalPath.InvalidEncoding, Problem("/" + string.Concat(Enumerable.Repeat("%e2%82%ac", 30)) + "%e2"));
        Assert.Equal("/" + new string('€', 30), LexicalPath.Normalize("/" + string.Concat(Enumerable.Repeat("%e2%82%ac", 30)), out _));
    }

    [Theory]
    [InlineData("/tmp/agent/x", Where.Under)]
    [InlineData("/data/y", Where.Under)]
    [InlineData("/tmp/agent", Where.Under)]
    [InlineData("/tmp/agents/x", Where.Outside)]
    [InlineData("/tmp", Where.Outside)]
    [InlineData("/tmp/agent/../../data/y", Where.Under)]
    public void PathUnder_ListOfRoots_IsUnderAny(string path, Where expected)
    {
        Assert.Equal(expected, Classify(path, """["/data", "/tmp/agent"]"""));
    }

    [Theory]
    [InlineData("\"/\"", "/anything/at/all", Where.Under)]
    [InlineData("\"/\"", "/", Where.Under)]
    [InlineData("\"/\"", "relative", Where.Refused)]
    [InlineData("\"/data//sub/./\"", "/data/sub/x", Where.Under)]
    [InlineData("\"/data//sub/./\"", "/data/subway", Where.Outside)]
    [InlineData("\"\\\\srv\\\\app\"", "/srv/app/x", Where.Under)]
    [InlineData("\"/data%20files\"", "/data files/x", Where.Under)]
    public void PathUnder_Root_IsNormalisedOnce(string root, string path, Where expected)
    {
        Assert.Equal(expected, Classify(path, root));
    }

    [Fact]
    public void RefusedPath_DeniesInRequireAndDenyIf_AndHoldsInApproval()
    {
        var args = """{"file": "/data/../../etc/passwd"}""";
        foreach (var op in new[] { "path_under", "path_not_under" })
        {
            var condition = $$"""{"path": "args.file", "op": "{{op}}", "value": "/data"}""";

            var required = Policies.Compile(Rule($$"""{"require": [{{condition}}]}""")).Evaluate(Policies.Call("t", args));
            var blocked = Policies.Compile(Rule($$"""{"deny_if": [{"conditions": [{{condition}}], "on_deny": "no"}]}""")).Evaluate(Policies.Call("t", args));
            var held = Policies.Compile(Rule($$$"""{"approval": {"when": [{{{condition}}}]}}""")).Evaluate(Policies.Call("t", args));

            Assert.Equal(PolicyOutcome.Deny, required.Outcome);
            Assert.Equal("Rule /tools/t/require/0 could not be decided (args.file: the path climbs above /), so the call is denied.", required.Reason);
            Assert.Equal((PolicyOutcome.Deny, "/tools/t/deny_if/0"), (blocked.Outcome, blocked.RuleId));
            Assert.Contains("args.file: the path climbs above /", blocked.Reason, StringComparison.Ordinal);
            Assert.Equal(PolicyOutcome.RequireApproval, held.Outcome);
            Assert.Contains("args.file: the path climbs above /", held.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"file": 5}""", "args.file: a number is not a path")]
    [InlineData("""{"file": null}""", "args.file: null is not a path")]
    [InlineData("""{"file": ["/etc/passwd"]}""", "args.file: an array is not a path")]
    [InlineData("""{"file": {"path": "/etc/passwd"}}""", "args.file: an object is not a path")]
    public void NonStringValue_IsRefused_SoDenyIfPathNotUnderFires(string args, string problem)
    {
        var policy = Policies.Compile(Rule("""{"deny_if": [{"conditions": [{"path": "args.file", "op": "path_not_under", "value": "/data"}]}]}"""));

        var decision = policy.Evaluate(Policies.Call("t", args));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Contains(problem, decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingValue_IsFalse_SoRequireDeniesAndDenyIfDoesNotFire()
    {
        var required = Policies.Compile(Rule("""{"require": [{"path": "args.file", "op": "path_under", "value": "/data"}]}"""));
        var blocked = Policies.Compile(Rule("""{"deny_if": [{"conditions": [{"path": "args.file", "op": "path_not_under", "value": "/data"}]}]}"""));

        var denied = required.Evaluate(Policies.Call("t", "{}"));

        Assert.Equal((PolicyOutcome.Deny, "Requirement not met: args.file path_under \"/data\"."), (denied.Outcome, denied.Reason));
        Assert.Equal(PolicyOutcome.Allow, blocked.Evaluate(Policies.Call("t", "{}")).Outcome);
    }

    [Fact]
    public void Explain_RefusedPath_ShowsTheProblemInTheStep()
    {
        var policy = Policies.Compile(Rule("""{"require": [{"path": "args.file", "op": "path_under", "value": "/data"}]}"""));

        var explanation = policy.Explain(Policies.Call("t", """{"file": "~/x"}"""));

        var step = explanation.Steps[^1];
        Assert.Equal((ExplainResult.Denied, "/tools/t/require/0"), (step.Result, step.RuleId));
        Assert.Equal("args.file path_under \"/data\" (undecided: args.file: the path starts with '~', which is not expanded)", step.Check);
    }

    [Property(MaxTest = 300)]
    public Property PathBuiltFromPlainSegments_IsUnderItsRoot_AndOutsideASiblingRoot()
    {
        var segment = from length in Gen.Choose(1, 6)
                      from chars in Gen.Elements("abz09._- é".ToCharArray()).ArrayOf(length)
                      let text = new string(chars)
                      where text.Trim('.', ' ').Length > 0
                      select text;
        var inputs = from count in Gen.Choose(0, 6)
                     from segments in segment.ArrayOf(count)
                     from separator in Gen.Elements("/", "\\", "//", "/./")
                     from root in Gen.Elements("/", "/data", "/srv/app")
                     select (root, path: root.TrimEnd('/') + "/" + string.Join(separator, segments));
        return Prop.ForAll(inputs.ToArbitrary(), input =>
            LexicalPath.IsUnder(input.path, [input.root], out _) == true
            && (input.root == "/" || LexicalPath.IsUnder(input.path, [input.root + "x"], out _) == false));
    }

    [Property(MaxTest = 500)]
    public Property Normalize_AnyText_IsRefusedOrAFixedPointWithoutDotSegments()
    {
        var text = from length in Gen.Choose(0, 12)
                   from chars in Gen.Elements("/\\.%2eEf5c~a ".ToCharArray()).ArrayOf(length)
                   select new string(chars);
        return Prop.ForAll(text.ToArbitrary(), path =>
        {
            var normalized = LexicalPath.Normalize(path, out var problem);
            if (normalized is null)
            {
                return problem is not null;
            }

            return normalized.StartsWith('/')
                && LexicalPath.Normalize(normalized, out _) == normalized
                && (normalized == "/" || !normalized.Split('/').Skip(1).Any(s => s is "" or "." or ".."));
        });
    }

    private static Where Classify(string path, string rootJson)
    {
        var args = JsonSerializer.Serialize(new { file = path });
        var under = Policies.Compile(Rule($$"""{"require": [{"path": "args.file", "op": "path_under", "value": {{rootJson}}}]}"""))
            .Evaluate(Policies.Call("t", args));
        var outside = Policies.Compile(Rule($$"""{"require": [{"path": "args.file", "op": "path_not_under", "value": {{rootJson}}}]}"""))
            .Evaluate(Policies.Call("t", args));
        return (under.Outcome, outside.Outcome) switch
        {
            (PolicyOutcome.Allow, PolicyOutcome.Deny) => Where.Under,
            (PolicyOutcome.Deny, PolicyOutcome.Allow) => Where.Outside,
            (PolicyOutcome.Deny, PolicyOutcome.Deny) when under.Reason.Contains("could not be decided", StringComparison.Ordinal)
                && outside.Reason.Contains("could not be decided", StringComparison.Ordinal) => Where.Refused,
            _ => throw new InvalidOperationException($"path_under: {under.Reason}; path_not_under: {outside.Reason}"),
        };
    }

    private static string? Problem(string path)
    {
        Assert.Null(LexicalPath.Normalize(path, out var problem));
        return problem;
    }

    private static string Rule(string rule) => $$$"""{"version": "1", "tools": {"t": {{{rule}}}}}""";
}
