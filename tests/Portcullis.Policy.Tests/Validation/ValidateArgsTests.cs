using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Serialization;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Tests.Validation;

/// <summary><c>validate_args</c>: parsing it, and deciding calls against the server's schema and the operator's.</summary>
public sealed class ValidateArgsTests
{
    /// <summary>server-everything's get-sum, as its tools/list advertises it (draft-07, from zod).</summary>
    private const string GetSumSchema = """
        {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
         "properties": {"a": {"type": "number", "description": "First number"}, "b": {"type": "number", "description": "Second number"}},
         "required": ["a", "b"], "additionalProperties": false}
        """;

    private static readonly ServerToolSchema s_getSum = ServerToolSchema.Of(ArgumentSchema.Parse(GetSumSchema));

    [Fact]
    public void Valid_arguments_are_allowed_by_the_tools_own_rule()
    {
        var policy = Policies.Compile("""{"version": "1", "tools": {"get-sum": {"validate_args": true}}}""");

        var decision = policy.Evaluate(Call("""{"a": 1, "b": 2.5}"""));

        Assert.Equal((PolicyOutcome.Allow, "/tools/get-sum"), (decision.Outcome, decision.RuleId));
        Assert.True(policy.ValidatesArguments("get-sum"));
    }

    [Theory]
    [InlineData("""{"a": "1", "b": 2}""", "$.a: value is \"string\" but should be \"number\"")]
    [InlineData("""{"a": 1}""", "$: required properties [\"b\"] are not present")]
    [InlineData("""{"a": 1, "b": 2, "c": 3}""", "$.c: is not allowed (additionalProperties is false)")]
    [InlineData("""{"a": true, "c": null}""",
        "$: required properties [\"b\"] are not present; $.a: value is \"boolean\" but should be \"number\"; $.c: is not allowed (additionalProperties is false)")]
    public void Arguments_that_fail_the_servers_schema_are_denied_with_every_problem(string arguments, string problems)
    {
        var policy = Policies.Compile("""{"version": "1", "tools": {"get-sum": {"validate_args": true}}}""");

        var decision = policy.Evaluate(Call(arguments));

        Assert.Equal(PolicyOutcome.Deny, decision.Outcome);
        Assert.Equal("/tools/get-sum/validate_args", decision.RuleId);
        Assert.Equal($"Invalid arguments for get-sum: {problems}.", decision.Reason);
    }

    [Fact]
    public void An_operator_schema_is_stricter_than_the_servers_and_names_its_own_rule()
    {
        var policy = Policies.Compile("""
            {"version": "1", "tools": {"get-sum": {"validate_args": {"properties": {"a": {"maximum": 100}}}}}}
            """);

        var allowed = policy.Evaluate(Call("""{"a": 100, "b": 1}"""));
        var denied = policy.Evaluate(Call("""{"a": 101, "b": 1}"""));
        var both = policy.Evaluate(Call("""{"a": 101}"""));

        Assert.Equal(PolicyOutcome.Allow, allowed.Outcome);
        Assert.Equal(("/tools/get-sum/validate_args", "Invalid arguments for get-sum: $.a: 101 should be at most 100."),
            (denied.RuleId, denied.Reason));
        Assert.Contains("required properties [\"b\"] are not present", both.Reason, StringComparison.Ordinal);
        Assert.Contains("$.a: 101 should be at most 100", both.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void All_tools_turns_validation_on_for_every_tool_and_a_tool_schema_adds_to_it()
    {
        var policy = Policies.Compile("""
            {"version": "1", "default": "allow", "all_tools": {"validate_args": true},
             "tools": {"get-sum": {"validate_args": {"properties": {"b": {"const": 2}}}}}}
            """);

        var other = policy.Evaluate(Policies.Call("echo", """{"a": 1}""") with { InputSchema = ServerToolSchema.Of(ArgumentSchema.Parse("""{"required": ["message"]}""")) });
        var sum = policy.Evaluate(Call("""{"a": 1, "b": 3}"""));

        Assert.Equal(("/all_tools/validate_args", "Invalid arguments for echo: $: required properties [\"message\"] are not present."), (other.RuleId, other.Reason));
        Assert.Equal(("/tools/get-sum/validate_args", "Invalid arguments for get-sum: $.b: should be 2."), (sum.RuleId, sum.Reason));
    }

    [Fact]
    public void Without_a_schema_to_check_against_the_call_is_denied()
    {
        var policy = Policies.Compile("""{"version": "1", "tools": {"get-sum": {"validate_args": true}}}""");

        var unknown = policy.Evaluate(Policies.Call("get-sum", """{"a": 1, "b": 2}"""));
        var unlisted = policy.Evaluate(Policies.Call("get-sum", """{"a": 1, "b": 2}""")
            with { InputSchema = ServerToolSchema.Unavailable("the server lists no tool named 'get-sum'") });

        Assert.Equal("Invalid arguments for get-sum: the server's input schema for it is not known here, so its arguments cannot be validated.", unknown.Reason);
        Assert.Equal("Invalid arguments for get-sum: the server lists no tool named 'get-sum', so its arguments cannot be validated.", unlisted.Reason);
        Assert.All([unknown, unlisted], d => Assert.Equal((PolicyOutcome.Deny, "/tools/get-sum/validate_args"), (d.Outcome, d.RuleId)));
    }

    [Fact]
    public void Earlier_steps_decide_before_validation_and_need_no_schema()
    {
        var policy = Policies.Compile("""
            {"version": "1", "hide": ["secret"], "all_tools": {"validate_args": true},
             "tools": {"secret": {}, "off": {"action": "deny", "reason": "Off."}, "false": {"validate_args": false}}}
            """);

        Assert.False(policy.ValidatesArguments("secret"));
        Assert.False(policy.ValidatesArguments("off"));
        Assert.False(policy.ValidatesArguments("not-in-policy"));
        // all_tools applies in addition to a tool's own rule, so false here does not switch it off.
        Assert.True(policy.ValidatesArguments("false"));
        Assert.Equal("Off.", policy.Evaluate(Policies.Call("off")).Reason);
    }

    [Fact]
    public void Explain_shows_the_validation_step_in_pipeline_order()
    {
        var policy = Policies.Compile("""
            {"version": "1", "tools": {"get-sum": {"validate_args": true, "require": [{"path": "args.a", "op": "lt", "value": 10}]}}}
            """);

        var failed = policy.Explain(Call("""{"a": "x", "b": 1}"""));
        var passed = policy.Explain(Call("""{"a": 1, "b": 1}"""));

        Assert.Equal(["/hide", "/tools/get-sum", "/tools/get-sum/validate_args"], failed.Steps.Select(s => s.RuleId));
        Assert.Equal(ExplainResult.Denied, failed.Steps[^1].Result);
        Assert.Equal(["/hide", "/tools/get-sum", "/tools/get-sum/validate_args", "/tools/get-sum/require/0"], passed.Steps.Select(s => s.RuleId));
        Assert.Equal(ExplainResult.Passed, passed.Steps[2].Result);
    }

    [Fact]
    public void A_denial_lists_at_most_ten_problems()
    {
        var schema = ServerToolSchema.Of(ArgumentSchema.Parse("""{"additionalProperties": false}"""));
        var policy = Policies.Compile("""{"version": "1", "tools": {"t": {"validate_args": true}}}""");
        var arguments = "{" + string.Join(",", Enumerable.Range(0, 15).Select(i => $"\"p{i:D2}\": {i}")) + "}";

        var decision = policy.Evaluate(Policies.Call("t", arguments) with { InputSchema = schema });

        Assert.Equal(10, decision.Reason.Split("$.p").Length - 1);
        Assert.EndsWith("$.p09: is not allowed (additionalProperties is false); and more besides (only the first 10 are listed).", decision.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Shadow_mode_reports_invalid_arguments_without_blocking()
    {
        var policy = Policies.Compile("""{"version": "1", "mode": "shadow", "tools": {"get-sum": {"validate_args": true}}}""");

        var decision = policy.Evaluate(Call("""{"a": "x", "b": 1}"""));

        Assert.Equal((PolicyOutcome.Deny, true, false), (decision.Outcome, decision.IsShadow, decision.Blocks));
    }

    [Fact]
    public void Draft_07_is_honoured_when_declared_and_2020_12_is_the_default()
    {
        var draft7 = ArgumentSchema.Parse("""{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"t": {"items": [{"type": "string"}]}}}""");
        var draft2020 = ArgumentSchema.Parse("""{"properties": {"t": {"prefixItems": [{"type": "string"}], "items": false}}}""");

        Assert.False(draft7.IsValid(Policies.Parse("""{"t": [1]}""")));
        Assert.True(draft7.IsValid(Policies.Parse("""{"t": ["x", 2]}""")));
        Assert.False(draft2020.IsValid(Policies.Parse("""{"t": [1]}""")));
        Assert.False(draft2020.IsValid(Policies.Parse("""{"t": ["x", 2]}""")));
        Assert.True(draft2020.IsValid(Policies.Parse("""{"t": ["x"]}""")));
    }

    [Fact]
    public void Json_paths_quote_odd_keys_and_tell_indexes_from_digit_keys()
    {
        var schema = ArgumentSchema.Parse("""
            {"properties": {"list": {"items": {"type": "string"}}, "map": {"properties": {"0": {"type": "string"}}}, "odd key": {"type": "string"}}}
            """);

        var problems = schema.Problems(Policies.Parse("""{"list": ["a", 1], "map": {"0": 1}, "odd key": 1}"""), 10);

        Assert.Equal(["$.list[1]", "$.map['0']", "$['odd key']"], problems.Select(p => p.Path).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Const_enum_and_pattern_problems_quote_what_would_pass()
    {
        var schema = ArgumentSchema.Parse("""
            {"$defs": {"language": {"enum": ["python", "go", 3, null, "a\"quote"]}},
             "properties": {"mode": {"const": "fast"}, "language": {"$ref": "#/$defs/language"}, "ticket": {"pattern": "^[A-Z]+-[0-9]+$"},
                            "many": {"enum": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]},
                            "nested": {"$id": "https://schemas.example/nested", "const": 1}}}
            """);

        var problems = schema.Problems(Policies.Parse("""{"mode": "slow", "language": "cobol", "ticket": "abc", "many": 0, "nested": 2}"""), 10);

        string[] expected =
        [
            "$.mode: should be \"fast\"",
            "$.language: should be one of \"python\", \"go\", 3, null, \"a\\\"quote\"",
            "$.ticket: should match the pattern ^[A-Z]+-[0-9]+$",
            "$.many: should be one of 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 (or 2 more)",
            // Under a nested $id the library's own wording stands.
            "$.nested: expected \"1\"",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), problems.Select(p => p.ToString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_schema_reference_outside_itself_fails_closed()
    {
        var server = ArgumentSchema.Parse("""{"properties": {"a": {"$ref": "#/$defs/n"}}, "$defs": {"n": {"type": "number"}}}""");
        Assert.True(server.IsValid(Policies.Parse("""{"a": 1}""")));
        Assert.Throws<ArgumentSchemaException>(() => ArgumentSchema.Parse("""{"$ref": "https://schemas.example/remote.json"}"""));
    }

    [Fact]
    public void A_pattern_that_runs_into_the_match_time_limit_retires_its_schema_and_denies_every_call()
    {
        var policy = Policies.Compile("""{"version": "1", "tools": {"lookup": {"validate_args": true}}}""");
        var schema = ServerToolSchema.Of(ArgumentSchema.Parse("""{"properties": {"name": {"type": "string", "pattern": "^(a+)+$"}}}"""));
        ToolCall Lookup(string name) => Policies.Call("lookup", $$"""{"name": "{{name}}"}""") with { InputSchema = schema };
        Assert.Equal(PolicyOutcome.Allow, policy.Evaluate(Lookup("aaaa")).Outcome);

        var hostile = policy.Evaluate(Lookup(new string('a', 40) + "!"));
        var afterwards = policy.Evaluate(Lookup("aaaa"));

        const string Reason = "Invalid arguments for lookup: $: the schema could not be evaluated (its pattern '^(a+)+$' took longer than 5 s to match, so the schema is no longer used).";
        Assert.Equal((PolicyOutcome.Deny, "/tools/lookup/validate_args", Reason), (hostile.Outcome, hostile.RuleId, hostile.Reason));
        Assert.Equal((PolicyOutcome.Deny, Reason), (afterwards.Outcome, afterwards.Reason));
    }

    [Theory]
    [InlineData("""{"validate_args": "yes"}""", "/tools/t/validate_args", "Expected true, false or a JSON Schema object but found a string.")]
    [InlineData("""{"validate_args": {"type": 12}}""", "/tools/t/validate_args/type", "Not a valid JSON Schema")]
    [InlineData("""{"validate_args": {"properties": {"a": {"$ref": "https://schemas.example/a.json"}}}}""", "/tools/t/validate_args/properties/a/$ref",
        "points outside the schema")]
    [InlineData("""{"validate_args": {"$schema": "https://example.com/my-dialect"}}""", "/tools/t/validate_args/$schema", "Unknown JSON Schema dialect")]
    [InlineData("""{"validate_args": {"required": "a"}}""", "/tools/t/validate_args/required", "Not a valid JSON Schema")]
    [InlineData("""{"validate_args": {"properties": {"a": {"type": "number", "type": "string"}}}}""", "/tools/t/validate_args/properties/a/type", "Duplicate key 'type'")]
    public void Invalid_validate_args_are_reported_where_they_are(string rule, string path, string message)
    {
        var errors = Policies.Errors("""{"version": "1", "tools": {"t": """ + rule + "}}");

        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_args_round_trips_through_the_writer_and_reads_from_yaml()
    {
        var yaml = Policies.CompileYaml("""
            version: "1"
            all_tools:
              validate_args: true
            tools:
              code_generate:
                validate_args:
                  properties:
                    language:
                      enum: [python, go]
                    iteration:
                      maximum: 5
              review_code:
                validate_args: false
            """);

        var written = PolicyWriter.ToJson(yaml.Document);
        var reread = Policies.Compile(written);

        Assert.Equal(written, PolicyWriter.ToJson(reread.Document));
        Assert.Equal("""{"properties":{"language":{"enum":["python","go"]},"iteration":{"maximum":5}}}""", reread.Document.Tools["code_generate"].ValidateArgs!.Schema);
        Assert.False(reread.Document.Tools["review_code"].ValidateArgs!.Enabled);
        var denied = yaml.Evaluate(Policies.Call("code_generate", """{"language": "cobol"}""") with { InputSchema = ServerToolSchema.Of(ArgumentSchema.Parse("{}")) });
        Assert.Equal("Invalid arguments for code_generate: $.language: should be one of \"python\", \"go\".", denied.Reason);
    }

    private static ToolCall Call(string arguments) => Policies.Call("get-sum", arguments) with { InputSchema = s_getSum };
}
