namespace Portcullis.Policy.Tests.Parsing;

/// <summary>Every validation rule reports its JSON Pointer, line and column, and a hint.</summary>
public sealed class PolicyValidationTests
{
    [Fact]
    public void Parse_UnknownKey_SuggestsTheClosestKey()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "defualt": "deny",
              "tools": {}
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/defualt", error.Path);
        Assert.Equal(new SourcePosition(3, 3), error.Position);
        Assert.Contains("Did you mean 'default'?", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"gt\", \"value\": 1e400", "/tools/t/require/0/value")]
    [InlineData("\"in\", \"value\": [1, -1e999]", "/tools/t/require/0/value/1")]
    public void Parse_ANumberBeyondADouble_IsAnErrorNamingIt_NotAFailure(string opAndValue, string path)
    {
        var errors = Policies.Errors("""{"version": "1", "tools": {"t": {"require": [{"path": "args.n", "op": """ + opAndValue + "}]}}}");

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains("too large a number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownKeyInLimit_NamesTheNestedPath()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "code_generate": {
                  "limits": [
                    { "counter": "c", "window": "minute", "max": 10, "scop": "grant" }
                  ]
                }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/code_generate/limits/0/scop", error.Path);
        Assert.Equal(6, error.Position.Line);
        Assert.Contains("'scope'", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrongType_SaysWhatWasExpected()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "t": { "limits": { "counter": "c" } }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/limits", error.Path);
        Assert.Equal(4, error.Position.Line);
        Assert.Contains("Expected an array but found an object", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownOperator_SuggestsTheClosestOperator()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "t": {
                  "require": [
                    { "path": "args.x", "op": "startswith", "value": "a" }
                  ]
                }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/require/0/op", error.Path);
        Assert.Equal(6, error.Position.Line);
        Assert.Contains("Did you mean 'starts_with'?", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RegexThatDoesNotCompile_IsReported()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "t": {
                  "deny_if": [
                    { "conditions": [ { "path": "args.x", "op": "regex", "value": "([a-z" } ] }
                  ]
                }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/deny_if/0/conditions/0/value", error.Path);
        Assert.Equal(6, error.Position.Line);
        Assert.Contains("regex does not compile", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    public void Parse_MaxNotPositive_IsReported(string max)
    {
        var errors = Policies.Errors($$"""
            {
              "version": "1",
              "tools": {
                "t": {
                  "limits": [
                    { "counter": "c", "window": "minute",
                      "max": {{max}} }
                  ]
                }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/limits/0/max", error.Path);
        Assert.Equal(7, error.Position.Line);
        Assert.Contains("greater than 0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameCounterWithDifferentWindows_IsReported()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "a": { "limits": [ { "counter": "shared", "window": "minute", "max": 10 } ] },
                "b": { "limits": [ { "counter": "shared", "window": "hour", "max": 10 } ] }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/b/limits/0/window", error.Path);
        Assert.Equal(5, error.Position.Line);
        Assert.Contains("/tools/a/limits/0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameCounterMeasuredTwoWays_IsReported()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "a": { "limits": [ { "counter": "shared", "window": "minute", "max": 10 } ] },
                "b": { "limits": [ { "counter": "shared", "window": "minute", "max": 10, "algorithm": "sliding" } ] }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/b/limits/0/algorithm", error.Path);
        Assert.Contains("Counter 'shared' is sliding here and fixed at /tools/a/limits/0.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnknownAlgorithm_NamesTheOnesThereAre()
    {
        var error = Assert.Single(Policies.Errors("""{"version": "1", "tools": {"a": {"rate_limit": {"max": 1, "window": 60, "algorithm": "slidng"}}}}"""));

        Assert.Equal("/tools/a/rate_limit/algorithm", error.Path);
        Assert.Contains("sliding", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SameCounterWithSameWindow_IsAccepted()
    {
        Policies.Compile("""
            {"version": "1", "tools": {
              "a": { "limits": [ { "counter": "shared", "window": "minute", "max": 10 } ] },
              "b": { "limits": [ { "counter": "shared", "window": 60, "max": 5 } ] } } }
            """);
    }

    [Theory]
    [InlineData("tool.name")]
    [InlineData("grant.labels.cost")]
    [InlineData("args")]
    [InlineData("amount")]
    public void Parse_IncrementFromNotAnArgumentPath_IsReported(string path)
    {
        var errors = Policies.Errors($$"""
            {
              "version": "1",
              "tools": {
                "t": { "limits": [ { "counter": "c", "window": "day", "max": 100,
                                     "increment_from": "{{path}}" } ] }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/limits/0/increment_from", error.Path);
        Assert.Equal(5, error.Position.Line);
    }

    [Theory]
    [InlineData("\"2\"")]
    [InlineData("\"1.0\"")]
    [InlineData("2")]
    public void Parse_UnknownVersion_IsReported(string version)
    {
        var errors = Policies.Errors($$"""
            {
              "version": {{version}},
              "tools": {}
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/version", error.Path);
        Assert.Equal(new SourcePosition(2, 14), error.Position);
        Assert.Contains("\"1\"", error.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MissingVersion_IsReported()
    {
        var error = Assert.Single(Policies.Errors("""{"tools": {}}"""));
        Assert.Contains("no 'version'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ManyProblems_ReportsThemAllAtOnce()
    {
        var errors = Policies.Errors("""
            {
              "version": "9",
              "default": "maybe",
              "mode": "dry-run",
              "hide": [""],
              "tools": {
                "t": {
                  "action": "block",
                  "require": [ { "path": "env.HOME", "op": "eq", "value": 1 } ],
                  "limits": [ { "counter": "c", "window": "fortnight", "max": 1.5, "scope": "team" } ],
                  "approval": { "timeout": "-1m", "on_timeout": "maybe" }
                }
              }
            }
            """);

        Assert.Equal(
            ["/version", "/default", "/mode", "/hide/0", "/tools/t/action", "/tools/t/require/0/path",
             "/tools/t/limits/0/window", "/tools/t/limits/0/max", "/tools/t/limits/0/scope",
             "/tools/t/approval/timeout", "/tools/t/approval/on_timeout"],
            errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.True(e.Position.Line > 1));
    }

    [Theory]
    [InlineData("""{"path": "args.x", "op": "in", "value": "bash"}""", "/value", "takes a list")]
    [InlineData("""{"path": "args.x", "op": "eq", "value": ["a"]}""", "/value", "use 'in'")]
    [InlineData("""{"path": "args.x", "op": "exists", "value": true}""", "/value", "takes no value")]
    [InlineData("""{"path": "args.x", "op": "gt"}""", "", "needs a 'value'")]
    [InlineData("""{"path": "args.x", "op": "max_length", "value": -1}""", "/value", "whole number")]
    [InlineData("""{"path": "args.x", "op": "starts_with", "value": 5}""", "/value", "takes a string")]
    [InlineData("""{"path": "time.weekday", "op": "eq", "value": "funday"}""", "/value", "not a weekday")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": 5}""", "/value", "takes an absolute path")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": []}""", "/value", "at least one root")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": "data"}""", "/value", "the path is relative")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": ["/ok", "~/x"]}""", "/value/1", "not expanded")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": ["/ok", 3]}""", "/value/1", "takes an absolute path")]
    [InlineData("""{"path": "args.file", "op": "path_not_under", "value": "C:\\data"}""", "/value", "drive-letter paths are not supported")]
    [InlineData("""{"path": "args.file", "op": "path_not_under", "value": "/data/../etc"}""", "/value", "may not contain '..'")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": "/data/%2541"}""", "/value", "still percent-encoded")]
    [InlineData("""{"path": "args.file", "op": "path_under", "value": "//share/data"}""", "/value", "network share")]
    [InlineData("""{"path": "args.file", "op": "path_under"}""", "", "needs a 'value'")]
    [InlineData("""{"path": "args..x", "op": "exists"}""", "/path", "Empty property name")]
    [InlineData("""{"path": "args.x[abc]", "op": "exists"}""", "/path", "neither an array index")]
    [InlineData("""{"op": "exists"}""", "", "no 'path'")]
    [InlineData("""{"path": "args.x"}""", "", "no 'op'")]
    public void Parse_BadCondition_IsReportedAtItsPath(string condition, string suffix, string message)
    {
        var errors = Policies.Errors("""{"version": "1", "tools": {"t": {"require": [""" + condition + "]}}}");

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t/require/0" + suffix, error.Path);
        Assert.Contains(message, error.Message + " " + error.Hint, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_UnusablePathRoot_IsReportedWithLineAndHint()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "read_file": { "require": [{ "path": "args.file", "op": "path_under", "value": ["/data", "srv/app"] }] }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/read_file/require/0/value/1", error.Path);
        Assert.Equal(4, error.Position.Line);
        Assert.Equal("\"srv/app\" is not a usable root: the path is relative (it does not start with '/').", error.Message);
        Assert.Equal("Write an absolute path such as /data, without '..' or percent-encoding.", error.Hint);
    }

    [Fact]
    public void Parse_DuplicateKey_IsReported()
    {
        var errors = Policies.Errors("""
            {
              "version": "1",
              "tools": {
                "t": { "action": "allow" },
                "t": { "action": "deny" }
              }
            }
            """);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/t", error.Path);
        Assert.Equal(5, error.Position.Line);
        Assert.Contains("Duplicate key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DenyIfWrittenAsASingleCondition_ExplainsTheBlockForm()
    {
        var error = Assert.Single(Policies.Errors("""
            {"version": "1", "tools": {"t": {"deny_if": [{"path": "args.x", "op": "exists"}]}}}
            """));

        Assert.Equal("/tools/t/deny_if/0", error.Path);
        Assert.Contains("\"conditions\"", error.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", 1)]
    [InlineData("{\"version\": \"1\",", 1)]
    [InlineData("{\n  \"version\": \"1\",\n  \"tools\": {},\n}", 4)]
    [InlineData("[]", 1)]
    [InlineData("{\"version\": \"1\"} {}", 1)]
    public void Parse_MalformedJson_ReportsOneErrorWithALine(string text, int line)
    {
        var error = Assert.Single(Policies.Errors(text));
        Assert.Equal(line, error.Position.Line);
    }

    [Fact]
    public void Parse_JsonNestedTooDeep_IsRejected()
    {
        var deep = new string('[', 100) + new string(']', 100);
        var error = Assert.Single(Policies.Errors($$"""{"version": "1", "hide": {{deep}}}"""));
        Assert.Contains("not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_YamlErrors_CarryYamlLines()
    {
        var errors = Policies.Errors("""
            version: "1"
            tools:
              code_generate:
                limits:
                  - counter: rate
                    window: minute
                    max: 0
            """, PolicyFormat.Yaml);

        var error = Assert.Single(errors);
        Assert.Equal("/tools/code_generate/limits/0/max", error.Path);
        Assert.Equal(new SourcePosition(7, 14), error.Position);
    }

    [Fact]
    public void Parse_YamlAlias_IsRejected()
    {
        var error = Assert.Single(Policies.Errors("""
            version: "1"
            hide: &names [a, b]
            tools:
              t: { require: [ { path: args.x, op: in, value: *names } ] }
            """, PolicyFormat.Yaml));

        Assert.Contains("aliases", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyError_ToString_NamesPathPositionAndHint()
    {
        var error = new PolicyError("/tools/t/max", new SourcePosition(3, 7), "'max' must be greater than 0.", "Use action: deny.");
        Assert.Equal("/tools/t/max (line 3, column 7): 'max' must be greater than 0. Use action: deny.", error.ToString());
    }
}
