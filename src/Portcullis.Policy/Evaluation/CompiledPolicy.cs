using System.Collections.Frozen;
using System.Text.Json;
using System.Text.RegularExpressions;
using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Evaluation;

/// <summary>
/// An immutable, compiled policy for one upstream server. Deciding a call is pure and
/// deterministic: the same call (including its time) always gets the same decision.
/// Thread-safe; swap the whole instance to apply a new version.
/// </summary>
public sealed class CompiledPolicy
{
    private readonly FrozenDictionary<string, ToolProgram> _programs;
    private readonly ToolProgram? _defaultProgram;
    private readonly FrozenSet<string> _hiddenNames;
    private readonly Regex[] _hiddenGlobs;
    private readonly bool _shadow;

    /// <summary>How many argument problems a denial lists before it stops.</summary>
    private const int MaxArgumentProblems = 10;

    internal CompiledPolicy(PolicyDocument document, FrozenDictionary<string, ToolProgram> programs, ToolProgram? defaultProgram,
        FrozenSet<string> hiddenNames, Regex[] hiddenGlobs)
    {
        Document = document;
        _programs = programs;
        _defaultProgram = defaultProgram;
        _hiddenNames = hiddenNames;
        _hiddenGlobs = hiddenGlobs;
        _shadow = document.Mode == PolicyMode.Shadow;
    }

    /// <summary>The document this policy was compiled from.</summary>
    public PolicyDocument Document { get; }

    /// <summary>Decides a call: first denial wins, in the order hidden → default → action → validate_args → require → deny_if → limits → approval.</summary>
    public PolicyDecision Evaluate(in ToolCall call) => Decide(call, trace: null);

    /// <summary>Decides a call and lists every rule checked on the way, in order.</summary>
    public PolicyExplanation Explain(in ToolCall call)
    {
        var trace = new List<ExplainStep>();
        var decision = Decide(call, trace);
        return new PolicyExplanation(decision, [.. trace]);
    }

    /// <summary>
    /// Whether deciding a call of <paramref name="toolName"/> checks its arguments against the
    /// server's input schema, which the caller must then supply as <see cref="ToolCall.InputSchema"/>.
    /// False when an earlier step (hidden, default deny, action deny) decides the call first.
    /// </summary>
    public bool ValidatesArguments(string toolName) =>
        !IsHidden(toolName) && Program(toolName) is { Denial: null, Validation: not null };

    /// <summary>
    /// What deciding a call of <paramref name="toolName"/> reads beyond its name, time, grant name and
    /// session. <see cref="CallInputs.None"/> when an earlier step (hidden, default deny, action deny)
    /// decides every call of the tool.
    /// </summary>
    public CallInputs InputsOf(string toolName) =>
        IsHidden(toolName) || Program(toolName) is not { Denial: null } program ? CallInputs.None : program.Inputs;

    /// <summary>Whether a tool appears in <c>tools/list</c>: not hidden, and either named in the policy or allowed by default.</summary>
    public bool IsVisible(string toolName) =>
        !IsHidden(toolName) && (_programs.ContainsKey(toolName) || _defaultProgram is not null);

    /// <summary>
    /// Writes a <c>tools/list</c> result with the tools this policy does not show removed, and those
    /// <paramref name="withheld"/> names (quarantined by the gateway); every other property (e.g.
    /// <c>nextCursor</c>, <c>_meta</c>) is copied unchanged.
    /// </summary>
    /// <returns>How many tools were removed.</returns>
    public int WriteFilteredToolsList(JsonElement result, Utf8JsonWriter writer, Func<string, bool>? withheld = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var removed = 0;
        writer.WriteStartObject();
        foreach (var property in result.EnumerateObject())
        {
            if (!property.NameEquals("tools") || property.Value.ValueKind != JsonValueKind.Array)
            {
                property.WriteTo(writer);
                continue;
            }

            writer.WritePropertyName(property.Name);
            writer.WriteStartArray();
            foreach (var tool in property.Value.EnumerateArray())
            {
                if (tool.ValueKind == JsonValueKind.Object
                    && tool.TryGetProperty("name", out var name)
                    && name.ValueKind == JsonValueKind.String
                    && IsVisible(name.GetString()!)
                    && withheld?.Invoke(name.GetString()!) != true)
                {
                    tool.WriteTo(writer);
                }
                else
                {
                    removed++;
                }
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        return removed;
    }

    private bool IsHidden(string toolName)
    {
        if (_hiddenNames.Contains(toolName))
        {
            return true;
        }

        foreach (var glob in _hiddenGlobs)
        {
            if (glob.IsMatch(toolName))
            {
                return true;
            }
        }

        return false;
    }

    private PolicyDecision Decide(in ToolCall call, List<ExplainStep>? trace)
    {
        if (IsHidden(call.ToolName))
        {
            trace?.Add(new ExplainStep(RuleIds.Hidden, $"'{call.ToolName}' matches an entry of /hide", ExplainResult.Denied));
            return Deny(RuleIds.Hidden, $"Unknown tool: '{call.ToolName}'.");
        }

        trace?.Add(new ExplainStep("/hide", $"'{call.ToolName}' matches no entry of /hide", ExplainResult.Passed));
        if (!_programs.TryGetValue(call.ToolName, out var program))
        {
            if (_defaultProgram is null)
            {
                trace?.Add(new ExplainStep(RuleIds.DefaultDeny, $"'{call.ToolName}' has no entry under /tools", ExplainResult.Denied));
                return UnlistedDenial(call.ToolName);
            }

            program = _defaultProgram;
        }

        trace?.Add(new ExplainStep(program.AllowRuleId, "the tool has a rule or the default allows it", ExplainResult.Passed));
        if (program.Denial is { } denial)
        {
            trace?.Add(new ExplainStep(denial.RuleId, "action: deny", ExplainResult.Denied));
            return Deny(denial.RuleId, denial.Reason);
        }

        if (program.Validation is { } validation && CheckArguments(validation, call, trace) is { } invalid)
        {
            return invalid;
        }

        var context = new EvaluationContext(call);
        foreach (var check in program.Require)
        {
            var outcome = check.Condition.Evaluate(context, out var problem);
            if (outcome != ConditionOutcome.True)
            {
                trace?.Add(new ExplainStep(check.RuleId, Undecided(check.Condition.Description, problem), ExplainResult.Denied));
                return Deny(check.RuleId, problem is null ? check.Reason : Undecided(check.RuleId, problem, "so the call is denied"));
            }

            trace?.Add(new ExplainStep(check.RuleId, check.Condition.Description, ExplainResult.Passed));
        }

        foreach (var block in program.DenyIf)
        {
            var result = AllHold(block.Conditions, context, out var problem);
            if (result != ConditionOutcome.False)
            {
                trace?.Add(new ExplainStep(block.RuleId, Undecided(Describe(block.Conditions), problem), ExplainResult.Denied));
                return Deny(block.RuleId, problem is null ? block.Reason : Undecided(block.RuleId, problem, "so the call is denied"));
            }

            trace?.Add(new ExplainStep(block.RuleId, Describe(block.Conditions), ExplainResult.Passed));
        }

        foreach (var limit in program.Limits)
        {
            if (!limit.TryGetAmount(context, out _))
            {
                trace?.Add(new ExplainStep(limit.RuleId, $"increment_from {limit.IncrementFrom!.Text}", ExplainResult.Denied));
                return Deny(limit.RuleId, limit.InvalidAmountReason);
            }

            trace?.Add(new ExplainStep(limit.RuleId, $"counter '{limit.Counter}': at most {limit.Max} {limit.UnitText} {limit.WindowText}", ExplainResult.Reserves));
        }

        var limits = program.Limits.Length == 0 ? default : new LimitReservations(program.Limits, call);
        foreach (var approval in program.Approvals)
        {
            // A condition that cannot be decided holds the call rather than letting it through.
            string? problem = null;
            if (approval.Always || AllHold(approval.When, context, out problem) != ConditionOutcome.False)
            {
                trace?.Add(new ExplainStep(approval.RuleId, approval.Always ? "approval always required" : Undecided(Describe(approval.When), problem),
                    ExplainResult.HeldForApproval));
                var reason = problem is null ? approval.Reason : Undecided(approval.RuleId, problem, "so the call is held for approval");
                return new PolicyDecision(PolicyOutcome.RequireApproval, approval.RuleId, reason, _shadow, limits, approval);
            }

            trace?.Add(new ExplainStep(approval.RuleId, Describe(approval.When), ExplainResult.NotApplicable));
        }

        return new PolicyDecision(PolicyOutcome.Allow, program.AllowRuleId, program.AllowReason, _shadow, limits);
    }

    private ToolProgram? Program(string toolName) => _programs.TryGetValue(toolName, out var program) ? program : _defaultProgram;

    /// <summary>The denial for arguments that fail the server's schema or an operator's, listing every problem found; null when they pass.</summary>
    private PolicyDecision? CheckArguments(ArgumentValidation validation, in ToolCall call, List<ExplainStep>? trace)
    {
        var checkedText = validation.OperatorSchemas.Length == 0 ? "arguments match the server's input schema" : "arguments match the server's input schema and the policy's";
        if (call.InputSchema?.Schema is not { } serverSchema)
        {
            var problem = call.InputSchema?.Problem ?? "the server's input schema for it is not known here";
            trace?.Add(new ExplainStep(validation.RuleId, checkedText, ExplainResult.Denied));
            return Deny(validation.RuleId, $"Invalid arguments for {call.ToolName}: {problem}, so its arguments cannot be validated.");
        }

        var valid = serverSchema.IsValid(call.Arguments);
        foreach (var check in validation.OperatorSchemas)
        {
            valid &= check.Schema.IsValid(call.Arguments);
        }

        if (valid)
        {
            trace?.Add(new ExplainStep(validation.RuleId, checkedText, ExplainResult.Passed));
            return null;
        }

        // Failing is rare: only now evaluate again, collecting every problem.
        string? ruleId = null;
        var problems = new List<ArgumentProblem>();
        foreach (var (schema, schemaRuleId) in validation.OperatorSchemas.Select(c => (c.Schema, c.RuleId)).Prepend((serverSchema, validation.RuleId)))
        {
            IReadOnlyList<ArgumentProblem> found;
            try
            {
                found = schema.Problems(call.Arguments, MaxArgumentProblems + 1);
            }
            catch (ArgumentSchemaException e)
            {
                found = [new ArgumentProblem("$", $"the schema could not be evaluated ({e.Message})")];
            }

            if (found.Count > 0)
            {
                ruleId ??= schemaRuleId;
                problems.AddRange(found.Where(p => !problems.Contains(p)));
            }
        }

        ruleId ??= validation.RuleId;
        if (problems.Count == 0)
        {
            // The quick check failed but the detailed one named nothing: still denied.
            problems.Add(new ArgumentProblem("$", "does not match the schema"));
        }

        var shown = string.Join("; ", problems.Take(MaxArgumentProblems));
        var more = problems.Count > MaxArgumentProblems ? $"; and more besides (only the first {MaxArgumentProblems} are listed)" : "";
        trace?.Add(new ExplainStep(ruleId, checkedText, ExplainResult.Denied));
        return Deny(ruleId, $"Invalid arguments for {call.ToolName}: {shown}{more}.");
    }

    /// <summary>True when every condition holds, Error (with the first problem) when one could not be decided, else False.</summary>
    private static ConditionOutcome AllHold(CompiledCondition[] conditions, in EvaluationContext context, out string? problem)
    {
        problem = null;
        var result = ConditionOutcome.True;
        foreach (var condition in conditions)
        {
            var outcome = condition.Evaluate(context, out var conditionProblem);
            if (outcome == ConditionOutcome.False)
            {
                problem = null;
                return ConditionOutcome.False;
            }

            if (outcome == ConditionOutcome.Error)
            {
                result = ConditionOutcome.Error;
                problem ??= conditionProblem;
            }
        }

        return result;
    }

    /// <summary>
    /// The denial of a tool with no rule under default deny. The gateway answers a hidden tool with
    /// it too under default deny, so that the two cannot be told apart.
    /// </summary>
    public PolicyDecision UnlistedDenial(string toolName) => Deny(RuleIds.DefaultDeny, $"Tool '{toolName}' is not allowed by this policy (default deny).");

    private PolicyDecision Deny(string ruleId, string reason) => new(PolicyOutcome.Deny, ruleId, reason, _shadow);

    /// <summary>The reason for a rule with a condition that could not be decided, e.g. "Rule /tools/t/require/0 could not be decided (args.file: the path climbs above /), so the call is denied."</summary>
    private static string Undecided(string ruleId, string problem, string consequence) =>
        $"Rule {ruleId} could not be decided ({problem}), {consequence}.";

    /// <summary>An explain step's check, with the problem when a condition could not be decided.</summary>
    private static string Undecided(string check, string? problem) => problem is null ? check : $"{check} (undecided: {problem})";

    private static string Describe(CompiledCondition[] conditions) => string.Join(" and ", conditions.Select(c => c.Description));
}
