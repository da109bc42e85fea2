using Portcullis.Policy.Differences;

namespace Portcullis.Policy.Tests.Differences;

public sealed class PolicyDifferTests
{
    [Fact]
    public void Compare_TheSamePolicyInYamlAndJson_WithShortFormsWrittenOut_IsEmpty()
    {
        var json = Policies.Compile("""
            {"version": "1", "tools": {"t": {"rate_limit": {"max": 10, "window": 60}, "approval": {"timeout": 600}},
             "u": {"limits": [{"counter": "c", "window": "minute", "max": 5}]}}}
            """).Document;
        var yaml = Policies.CompileYaml("""
            version: 1
            default: deny
            mode: enforce
            tools:
              u:
                limits: [{ max: 5, window: 60, counter: c, scope: grant }]
              t:
                approval: { timeout: 10m, on_timeout: deny }
                rate_limit: { max: 10, window: minute, scope: session, counter: t.rate_limit }
            """).Document;

        Assert.True(PolicyDiffer.Compare(json, yaml).IsEmpty, string.Join("\n", PolicyDiffer.Compare(json, yaml).Changes));
    }

    [Fact]
    public void Compare_ABlockAddedAfterOneWithTheSameConditions_IsAnAddition_NotAChangedReason()
    {
        var before = Policies.Compile("""
            {"version": "1", "tools": {"t": {"deny_if": [
              {"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}], "on_deny": "No shells."}]}}}
            """).Document;
        var after = Policies.Compile("""
            {"version": "1", "tools": {"t": {"deny_if": [
              {"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}], "on_deny": "No shells."},
              {"conditions": [{"path": "args.language", "op": "eq", "value": "bash"}], "on_deny": "Never reached."}]}}}
            """).Document;

        var change = Assert.Single(PolicyDiffer.Compare(before, after).Changes);

        Assert.Equal(PolicyChangeKinds.ConditionsChanged, change.Kind);
        Assert.StartsWith("deny_if added: ", change.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Compare_NamesWhatDecidesDifferently_PerTool()
    {
        var before = Policies.Compile("""
            {"version": "1", "default": "deny", "hide": ["debug_*"],
             "tools": {
               "code_generate": {"limits": [{"counter": "rate", "window": "minute", "max": 10}],
                                 "deny_if": [{"conditions": [{"path": "args.language", "op": "in", "value": ["bash"]}], "on_deny": "No shells."}]},
               "describe_codebase": {"action": "deny", "reason": "Reads local paths."},
               "review_code": {},
               "debug_dump": {},
               "deploy": {"action": "require_approval"}
             }}
            """).Document;
        var after = Policies.Compile("""
            {"version": "1", "default": "allow", "mode": "shadow", "audit_args": "redacted", "hide": ["review_*"],
             "tools": {
               "code_generate": {"limits": [{"counter": "rate", "window": "minute", "max": 20}, {"counter": "daily", "window": "day", "max": 100}],
                                 "deny_if": [{"conditions": [{"path": "args.language", "op": "in", "value": ["bash", "powershell"]}], "on_deny": "No shells."}],
                                 "require": [{"path": "grant.labels.team", "op": "eq", "value": "platform"}],
                                 "approval": {"when": [{"path": "args.iteration", "op": "gt", "value": 3}]},
                                 "validate_args": true},
               "describe_codebase": {},
               "debug_dump": {},
               "deploy": {}
             }}
            """).Document;

        var changes = PolicyDiffer.Compare(before, after).Changes.Select(c => $"{c.Subject} | {c.Kind} | {c.Detail}").ToList();

        Assert.Equal(
        [
            "(policy) | default_changed | default: deny → allow",
            "(policy) | mode_changed | mode: enforce → shadow (decisions are recorded, no call is blocked)",
            "(policy) | audit_args_changed | audit_args: keys → redacted",
            "(policy) | hide_added | hide: added \"review_*\"",
            "(policy) | hide_removed | hide: removed \"debug_*\"",
            "(unlisted tools) | newly_allowed | newly allowed: was denied: no rule under default deny",
            "code_generate | approval_added | approval added: when args.iteration gt 3, timeout 10m then deny",
            "code_generate | limit_changed | limit changed: 'rate' at most 10 calls per minute per grant → 'rate' at most 20 calls per minute per grant",
            "code_generate | limit_added | limit added: 'daily' at most 100 calls per day per grant",
            "code_generate | conditions_changed | require added: grant.labels.team eq \"platform\"",
            "code_generate | conditions_changed | deny_if added: args.language in [\"bash\",\"powershell\"]",
            "code_generate | conditions_changed | deny_if removed: args.language in [\"bash\"]",
            "code_generate | validate_args_changed | validate_args: off → the server's input schema",
            "debug_dump | no_longer_hidden | no longer hidden: allowed, subject to its checks",
            "deploy | approval_removed | approval removed: was every call (action: require_approval), timeout 10m then deny",
            "describe_codebase | newly_allowed | newly allowed: was denied by action: deny (\"Reads local paths.\")",
            "review_code | newly_hidden | newly hidden (hidden by \"review_*\"); was allowed, subject to its checks",
        ], changes);
    }

    [Fact]
    public void Compare_AWindowThatStartsToSlide_IsALimitChange()
    {
        var before = Policies.Compile("""{"version": "1", "tools": {"a": {"limits": [{"counter": "c", "window": 60, "max": 5}]}}}""").Document;
        var after = Policies.Compile("""{"version": "1", "tools": {"a": {"limits": [{"counter": "c", "window": 60, "max": 5, "algorithm": "sliding"}]}}}""").Document;

        var change = Assert.Single(PolicyDiffer.Compare(before, after).Changes);

        Assert.Equal("limit changed: 'c' at most 5 calls per minute per grant → 'c' at most 5 calls in any minute per grant", change.Detail);
    }

    [Fact]
    public void Compare_ToolNewlyDenied_AndAReasonThatChanged()
    {
        var before = Policies.Compile("""{"version": "1", "tools": {"a": {"limits": [{"counter": "c", "window": 60, "max": 1}]}, "b": {"action": "deny", "reason": "Old."}}}""").Document;
        var after = Policies.Compile("""{"version": "1", "tools": {"a": {"action": "deny"}, "b": {"action": "deny", "reason": "New."}}}""").Document;

        var changes = PolicyDiffer.Compare(before, after).Changes.Select(c => $"{c.Subject} | {c.Kind} | {c.Detail}").ToList();

        Assert.Equal(
        [
            "a | newly_denied | newly denied: denied by action: deny",
            "b | reason_changed | still denied: was denied by action: deny (\"Old.\"); now denied by action: deny (\"New.\")",
        ], changes);
    }

    [Fact]
    public void Compare_AllToolsChanges_AreReportedOnce_AndAnAllToolsDenialDeniesEveryTool()
    {
        var before = Policies.Compile("""{"version": "1", "all_tools": {"limits": [{"counter": "all", "window": "hour", "max": 500}]}, "tools": {"a": {}}}""").Document;
        var after = Policies.Compile("""{"version": "1", "all_tools": {"action": "deny", "reason": "Frozen."}, "tools": {"a": {}}}""").Document;

        var changes = PolicyDiffer.Compare(before, after).Changes.Select(c => $"{c.Subject} | {c.Kind}").ToList();

        Assert.Equal(["(all_tools) | newly_denied", "(all_tools) | limit_removed", "a | newly_denied"], changes);
    }
}
