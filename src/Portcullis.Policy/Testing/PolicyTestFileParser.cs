using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Parsing;

namespace Portcullis.Policy.Testing;

/// <summary>A policy test file, or every problem that stopped it from being read.</summary>
/// <param name="File">The file; null when there are errors.</param>
/// <param name="Errors">Every problem, in document order, each with its JSON Pointer, line and column.</param>
public sealed record PolicyTestFileParseResult(PolicyTestFile? File, ImmutableArray<PolicyError> Errors);

/// <summary>
/// Reads a file of policy test cases (JSON or YAML, read like policies are). Every problem is
/// reported at once with its place and, for a misspelt key or outcome, the closest valid one.
/// </summary>
public static class PolicyTestFileParser
{
    private static readonly string[] s_rootKeys = ["policy", "server", "at", "grant", "session", "cases"];
    private static readonly string[] s_caseKeys = ["name", "tool", "arguments", "grant", "session", "server", "at", "repeat", "expect", "rule", "reason_contains", "visible"];
    private static readonly string[] s_grantKeys = ["name", "labels"];

    private static readonly JsonElement s_noArguments = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The most a case may repeat its call: enough for any limit a test needs, small enough to stay quick.</summary>
    public const int MaxRepeat = 100_000;

    /// <summary>Reads a test file.</summary>
    public static PolicyTestFileParseResult Parse(string text, PolicyFormat format)
    {
        ArgumentNullException.ThrowIfNull(text);
        var errors = new List<PolicyError>();
        var root = SourceReader.Read(text, format, errors, format == PolicyFormat.Yaml
            ? "Start from: cases: [{tool: review_code, expect: allow}]."
            : "Start from {\"cases\": [{\"tool\": \"review_code\", \"expect\": \"allow\"}]}.");
        var file = root is null ? null : new Reader(errors).ReadFile(root);
        var sorted = errors.OrderBy(e => e.Position.Line).ThenBy(e => e.Position.Column).ToImmutableArray();
        return sorted.IsEmpty && file is not null ? new PolicyTestFileParseResult(file, []) : new PolicyTestFileParseResult(null, sorted);
    }

    private sealed class Reader(List<PolicyError> errors)
    {
        /// <summary>Keys that a misspelt key was taken for, already reported: their absence is not reported again.</summary>
        private readonly HashSet<(SourceNode, string)> _suggested = [];

        public PolicyTestFile? ReadFile(SourceNode root)
        {
            if (root.Kind != SourceNodeKind.Object)
            {
                Error("", root, $"A test file is an object with 'cases', not {root.KindName}.", "Start from: cases: [{tool: review_code, expect: allow}].");
                return null;
            }

            var keys = Keys(root, "", s_rootKeys);
            var policy = keys.TryGetValue("policy", out var policyNode) ? String("/policy", policyNode) : null;
            var server = keys.TryGetValue("server", out var serverNode) ? String("/server", serverNode) ?? PolicyTestFile.DefaultServer : PolicyTestFile.DefaultServer;
            var at = keys.TryGetValue("at", out var atNode) ? Time("/at", atNode) ?? PolicyTestFile.DefaultTime : PolicyTestFile.DefaultTime;
            var grant = keys.TryGetValue("grant", out var grantNode) ? Grant("/grant", grantNode) : null;
            grant ??= new PolicyGrant(PolicyTestFile.DefaultGrant);
            var session = keys.TryGetValue("session", out var sessionNode) ? String("/session", sessionNode) : PolicyTestFile.DefaultSession;
            if (policy is { Length: 0 })
            {
                Error("/policy", policyNode!, "'policy' is empty.", "Give the policy file's path, relative to this file.");
            }

            if (!keys.TryGetValue("cases", out var casesNode))
            {
                Error("", root, "The test file has no 'cases'.", "Add cases: [{tool: review_code, expect: allow}].");
                return null;
            }

            if (casesNode.Kind != SourceNodeKind.Array)
            {
                Error("/cases", casesNode, $"'cases' is a list of cases, not {casesNode.KindName}.", null);
                return null;
            }

            if (casesNode.Items.Count == 0)
            {
                Error("/cases", casesNode, "'cases' is empty: there is nothing to test.", "Add a case such as {tool: review_code, expect: allow}.");
            }

            var cases = ImmutableArray.CreateBuilder<PolicyTestCase>();
            // A case without 'at' happens when the case before it did: time moves only when a case says so.
            var previous = (Time: at, Path: "/at");
            for (var i = 0; i < casesNode.Items.Count; i++)
            {
                var path = JsonPointer.Append("/cases", i);
                if (ReadCase(casesNode.Items[i], path, i, server, previous.Time, grant, session) is not { } testCase)
                {
                    continue;
                }

                if (testCase.Call.Time < previous.Time)
                {
                    Error(path + "/at", casesNode.Items[i],
                        $"The case is at {Format(testCase.Call.Time)}, before the case before it ({previous.Path}, at {Format(previous.Time)}).",
                        "Cases run in order, like calls, so their times may not go back: reorder them or give a later 'at'.");
                }

                previous = (testCase.Call.Time, path);
                cases.Add(testCase);
            }

            return new PolicyTestFile(policy, cases.ToImmutable());
        }

        private PolicyTestCase? ReadCase(SourceNode node, string path, int index, string server, DateTimeOffset at, PolicyGrant grant, string? session)
        {
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, $"A case is an object such as {{tool: review_code, expect: allow}}, not {node.KindName}.", null);
                return null;
            }

            var before = errors.Count;
            var keys = Keys(node, path, s_caseKeys);
            var name = keys.TryGetValue("name", out var nameNode) ? String(path + "/name", nameNode) : null;
            string? tool = null;
            if (!keys.TryGetValue("tool", out var toolNode))
            {
                if (!_suggested.Contains((node, "tool")))
                {
                    Error(path, node, "The case has no 'tool'.", "Add tool: <the tool's name>.");
                }
            }
            else if ((tool = String(path + "/tool", toolNode)) is { Length: 0 })
            {
                Error(path + "/tool", toolNode, "'tool' is empty.", null);
            }

            var arguments = default(JsonElement);
            if (keys.TryGetValue("arguments", out var argumentsNode))
            {
                if (argumentsNode.Kind == SourceNodeKind.Object)
                {
                    arguments = SourceNodeJson.ToElement(argumentsNode);
                }
                else
                {
                    Error(path + "/arguments", argumentsNode, $"'arguments' is an object, as a call sends it, not {argumentsNode.KindName}.", "Write e.g. arguments: {language: python}.");
                }
            }
            else
            {
                arguments = s_noArguments;
            }

            PolicyOutcome? expect = null;
            if (!keys.TryGetValue("expect", out var expectNode))
            {
                if (!_suggested.Contains((node, "expect")))
                {
                    Error(path, node, "The case has no 'expect'.", $"Add expect: with one of {string.Join(", ", PolicyOutcomeNames.All)}.");
                }
            }
            else if (expectNode.Kind != SourceNodeKind.String || !PolicyOutcomeNames.TryParse(expectNode.Text!, out var outcome))
            {
                var shown = expectNode.Kind == SourceNodeKind.String ? expectNode.Text! : expectNode.KindName;
                Error(path + "/expect", expectNode, $"'{shown}' is not a decision.", DecisionHint(shown));
            }
            else
            {
                expect = outcome;
            }

            var repeat = 1;
            if (keys.TryGetValue("repeat", out var repeatNode))
            {
                if (repeatNode.Kind == SourceNodeKind.Number && int.TryParse(repeatNode.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var count)
                    && count is >= 1 and <= MaxRepeat)
                {
                    repeat = count;
                }
                else
                {
                    Error(path + "/repeat", repeatNode, $"'repeat' is a whole number from 1 to {MaxRepeat}, not {Show(repeatNode)}.", null);
                }
            }

            bool? visible = null;
            if (keys.TryGetValue("visible", out var visibleNode))
            {
                if (visibleNode.Kind == SourceNodeKind.Boolean)
                {
                    visible = visibleNode.BooleanValue;
                }
                else
                {
                    Error(path + "/visible", visibleNode, $"'visible' is true or false, not {Show(visibleNode)}.", null);
                }
            }

            var caseGrant = keys.TryGetValue("grant", out var grantNode) ? Grant(path + "/grant", grantNode) : grant;
            var caseSession = keys.TryGetValue("session", out var sessionNode) ? String(path + "/session", sessionNode) : session;
            var caseServer = keys.TryGetValue("server", out var serverNode) ? String(path + "/server", serverNode) : server;
            var caseAt = keys.TryGetValue("at", out var atNode) ? Time(path + "/at", atNode) : at;
            var rule = keys.TryGetValue("rule", out var ruleNode) ? String(path + "/rule", ruleNode) : null;
            var reason = keys.TryGetValue("reason_contains", out var reasonNode) ? String(path + "/reason_contains", reasonNode) : null;
            if (errors.Count != before || tool is null || expect is null || caseGrant is null || caseServer is null || caseAt is null)
            {
                return null;
            }

            return new PolicyTestCase
            {
                Name = name ?? $"case {index + 1} ({tool}, line {node.Position.Line})",
                Position = node.Position,
                Call = new ToolCall(caseServer, tool, arguments, caseGrant, caseSession, caseAt.Value),
                Repeat = repeat,
                Expect = expect.Value,
                Rule = rule,
                ReasonContains = reason,
                Visible = visible,
            };
        }

        /// <summary>"Did you mean", also for the words people use for a decision rather than its name.</summary>
        private static string DecisionHint(string typed)
        {
            var expected = $"Expected one of: {string.Join(", ", PolicyOutcomeNames.All)}.";
            return typed.ToLowerInvariant() switch
            {
                "allowed" or "allows" or "permit" or "pass" => $"Did you mean 'allow'? {expected}",
                "denied" or "denies" or "refuse" or "refused" or "block" or "blocked" => $"Did you mean 'deny'? {expected}",
                "approval" or "approve" or "held" or "hold" or "requires_approval" or "approval_required" => $"Did you mean 'require_approval'? {expected}",
                "hidden" or "hide" => $"A hidden tool's calls are denied: write expect: deny with rule: \"(hidden)\", and visible: false to check tools/list. {expected}",
                _ => Suggestions.Hint(typed, [.. PolicyOutcomeNames.All]),
            };
        }

        private PolicyGrant? Grant(string path, SourceNode node)
        {
            if (node.Kind == SourceNodeKind.String)
            {
                return node.Text!.Length > 0 ? new PolicyGrant(node.Text) : Fail(path, node, "The grant's name is empty.");
            }

            if (node.Kind != SourceNodeKind.Object)
            {
                return Fail(path, node, $"'grant' is a name or {{name, labels}}, not {node.KindName}.");
            }

            var keys = Keys(node, path, s_grantKeys);
            if (!keys.TryGetValue("name", out var nameNode) || String(path + "/name", nameNode) is not { Length: > 0 } name)
            {
                return Fail(path, node, "The grant has no name.", "Add name: <grant name>.");
            }

            var labels = new List<KeyValuePair<string, string>>();
            if (keys.TryGetValue("labels", out var labelsNode))
            {
                if (labelsNode.Kind != SourceNodeKind.Object)
                {
                    return Fail(path + "/labels", labelsNode, $"'labels' maps names to strings, e.g. {{team: platform}}, not {labelsNode.KindName}.");
                }

                foreach (var label in labelsNode.Properties)
                {
                    if (String(JsonPointer.Append(path + "/labels", label.Name), label.Value) is { } value)
                    {
                        labels.Add(new(label.Name, value));
                    }
                }
            }

            return new PolicyGrant(name, labels);
        }

        private DateTimeOffset? Time(string path, SourceNode node)
        {
            if (node.Kind == SourceNodeKind.String
                && DateTimeOffset.TryParse(node.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                && node.Text!.Contains('T', StringComparison.Ordinal))
            {
                return time;
            }

            Error(path, node, $"{Show(node)} is not a date and time.", "Write it like 2026-11-25T12:00:30Z (UTC unless it gives an offset).");
            return null;
        }

        private string? String(string path, SourceNode node)
        {
            if (node.Kind == SourceNodeKind.String)
            {
                return node.Text;
            }

            Error(path, node, $"Expected a string but found {node.KindName}.", "Write it in quotes.");
            return null;
        }

        private Dictionary<string, SourceNode> Keys(SourceNode node, string path, string[] known)
        {
            var found = new Dictionary<string, SourceNode>(StringComparer.Ordinal);
            foreach (var property in node.Properties)
            {
                var propertyPath = JsonPointer.Append(path, property.Name);
                if (!known.Contains(property.Name))
                {
                    if (Suggestions.Closest(property.Name, known) is { } meant)
                    {
                        _suggested.Add((node, meant));
                    }

                    errors.Add(new PolicyError(propertyPath, property.NamePosition, $"Unknown key '{property.Name}'.", Suggestions.Hint(property.Name, known)));
                }
                else if (!found.TryAdd(property.Name, property.Value))
                {
                    errors.Add(new PolicyError(propertyPath, property.NamePosition, $"Duplicate key '{property.Name}'.", "Keep one; a repeated key is ambiguous."));
                }
            }

            return found;
        }

        private PolicyGrant? Fail(string path, SourceNode node, string message, string? hint = null)
        {
            Error(path, node, message, hint);
            return null;
        }

        private void Error(string path, SourceNode node, string message, string? hint) => errors.Add(new PolicyError(path, node.Position, message, hint));

        private static string Show(SourceNode node) => SourceNodeReader.Show(node);

        private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
    }
}
