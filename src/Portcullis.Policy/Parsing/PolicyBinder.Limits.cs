using Portcullis.Policy.Conditions;
using Portcullis.Policy.Documents;

namespace Portcullis.Policy.Parsing;

/// <summary>Limits: counters, windows, maxima, scopes and value quotas.</summary>
internal sealed partial class PolicyBinder
{
    private static readonly string[] s_limitKeys = ["counter", "window", "max", "scope", "increment_from", "algorithm"];
    private static readonly string[] s_rateLimitKeys = ["max", "window", "scope", "counter", "algorithm"];
    private static readonly string[] s_algorithms = ["fixed", "sliding"];
    private static readonly string[] s_scopes = ["grant", "session", "server", "global"];

    /// <summary>Each counter name's window, algorithm and where it was first declared: one counter has one window, measured one way.</summary>
    private readonly Dictionary<string, (long Window, LimitAlgorithm Algorithm, string Path)> _counters = new(StringComparer.Ordinal);

    private LimitRule? BindLimit(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "A limit is {\"counter\": \"name\", \"window\": \"minute\", \"max\": 10, \"scope\": \"grant\"}."))
        {
            return null;
        }

        var keys = ReadKeys(node, path, s_limitKeys);
        string? counter = null;
        if (!keys.TryGetValue("counter", out var counterNode))
        {
            Error(path, node, "The limit has no 'counter'.", "Name it, e.g. \"counter\": \"code_generate_rate\"; limits with one name share a counter.");
        }
        else if (String(path + "/counter", counterNode.Value) is { } counterText)
        {
            if (counterText.Length == 0)
            {
                Error(path + "/counter", counterNode.Value, "The counter name is empty.", "Name it, e.g. \"code_generate_rate\".");
            }
            else
            {
                counter = counterText;
            }
        }

        string? incrementFrom = null;
        if (keys.TryGetValue("increment_from", out var incrementNode) && String(path + "/increment_from", incrementNode.Value) is { } incrementText)
        {
            if (ConditionPath.TryParse(incrementText, out var incrementPath, out _) && incrementPath.Root == PathRoot.Args && incrementPath.Segments.Length > 0)
            {
                incrementFrom = incrementText;
            }
            else
            {
                Error(path + "/increment_from", incrementNode.Value, $"'{incrementText}' is not an argument path.",
                    "increment_from reads a number from the call's arguments, e.g. \"args.amount\".");
            }
        }

        return Limit(node, path, keys, counter, LimitScope.Grant, incrementFrom);
    }

    private LimitRule? BindRateLimit(SourceNode node, string path, string toolName)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "'rate_limit' is {\"max\": 10, \"window\": 60}."))
        {
            return null;
        }

        var keys = ReadKeys(node, path, s_rateLimitKeys);
        var counter = toolName + ".rate_limit";
        if (keys.TryGetValue("counter", out var counterNode) && String(path + "/counter", counterNode.Value) is { Length: > 0 } named)
        {
            counter = named;
        }

        // The brief documents rate_limit as "tracked per agent session".
        return Limit(node, path, keys, counter, LimitScope.Session, incrementFrom: null);
    }

    private LimitRule? Limit(SourceNode node, string path, Dictionary<string, SourceProperty> keys, string? counter, LimitScope defaultScope, string? incrementFrom)
    {
        var before = _errors.Count;
        long? window = null;
        if (!keys.TryGetValue("window", out var windowNode))
        {
            Error(path, node, "The limit has no 'window'.", "Add \"window\": \"minute\" (second, minute, hour, day, or seconds).");
        }
        else
        {
            window = Seconds(path + "/window", windowNode.Value, allowNamedWindows: true);
        }

        long max = 0;
        if (!keys.TryGetValue("max", out var maxNode))
        {
            Error(path, node, "The limit has no 'max'.", "Add e.g. \"max\": 10.");
        }
        else if (!TryParseLong(maxNode.Value, out max))
        {
            Error(path + "/max", maxNode.Value, $"'max' must be a whole number, got {Show(maxNode.Value)}.", "Write e.g. \"max\": 10.");
        }
        else if (max <= 0)
        {
            Error(path + "/max", maxNode.Value, $"'max' must be greater than 0, got {max}.",
                "To block the tool, use \"action\": \"deny\" instead of a zero limit.");
        }

        var scope = defaultScope;
        if (keys.TryGetValue("scope", out var scopeNode) && Enum<LimitScope>(path + "/scope", scopeNode.Value, s_scopes) is { } parsedScope)
        {
            scope = parsedScope;
        }

        var algorithm = LimitAlgorithm.Fixed;
        if (keys.TryGetValue("algorithm", out var algorithmNode) && Enum<LimitAlgorithm>(path + "/algorithm", algorithmNode.Value, s_algorithms) is { } parsedAlgorithm)
        {
            algorithm = parsedAlgorithm;
        }

        if (counter is not null && window is { } seconds)
        {
            if (_counters.TryGetValue(counter, out var first) && first.Window != seconds)
            {
                Error(path + "/window", windowNode!.Value,
                    $"Counter '{counter}' is declared with a window of {seconds} s here and {first.Window} s at {first.Path}.",
                    "A counter has one window: use the same window or another counter name.");
            }
            else if (first.Path is not null && first.Algorithm != algorithm)
            {
                Error(path + (algorithmNode is null ? "" : "/algorithm"), algorithmNode?.Value ?? node,
                    $"Counter '{counter}' is {Name(algorithm)} here and {Name(first.Algorithm)} at {first.Path}.",
                    "A counter is measured one way: give both limits the same \"algorithm\", or use another counter name.");
            }
            else
            {
                _counters.TryAdd(counter, (seconds, algorithm, path));
            }
        }

        if (_errors.Count != before || counter is null || window is null)
        {
            return null;
        }

        return new LimitRule { Counter = counter, WindowSeconds = window.Value, Max = max, Scope = scope, IncrementFrom = incrementFrom, Algorithm = algorithm };
    }

    private static string Name(LimitAlgorithm algorithm) => algorithm == LimitAlgorithm.Sliding ? "sliding" : "fixed";
}
