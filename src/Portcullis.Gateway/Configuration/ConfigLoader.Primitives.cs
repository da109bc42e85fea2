using System.Collections.Immutable;
using System.Globalization;
using System.Text.RegularExpressions;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the value forms the configuration uses in several sections: lists, maps, secrets, numbers, durations and URLs.</summary>
internal static partial class ConfigLoader
{
    [GeneratedRegex(@"^([0-9]+)(ms|s|m|h)$", RegexOptions.CultureInvariant)]
    private static partial Regex DurationPattern();

    private sealed partial class Reader
    {
        /// <summary>A list of strings; each item that is not a string is an error at its index.</summary>
        private ImmutableArray<string> StringArray(SourceNode node, string path)
        {
            if (node.Kind != SourceNodeKind.Array)
            {
                Error(path, node, "Expected a list of strings.");
                return [];
            }

            var builder = ImmutableArray.CreateBuilder<string>();
            for (var i = 0; i < node.Items.Count; i++)
            {
                if (String(node.Items[i], JsonPointer.Append(path, i)) is { } value)
                {
                    builder.Add(value);
                }
            }

            return builder.ToImmutable();
        }

        /// <summary>
        /// A string that may be <c>env:NAME</c>, read from the environment. An unset variable is an
        /// error when <paramref name="required"/> (every command needs it, such as the store's
        /// address); otherwise it is recorded in the unset secrets and null is returned, and the
        /// part that holds it cannot be used.
        /// </summary>
        private string? Secret(SourceNode node, string path, bool required = false)
        {
            if (String(node, path) is not { } value)
            {
                return null;
            }

            if (!value.StartsWith("env:", StringComparison.Ordinal))
            {
                return value;
            }

            var name = value[4..];
            if (name.Length == 0)
            {
                Error(path, node, "'env:' names no environment variable; write \"env:NAME\".");
                return null;
            }

            var resolved = environment(name);
            if (string.IsNullOrEmpty(resolved))
            {
                var message = $"Environment variable '{name}' is not set.";
                if (required)
                {
                    Error(path, node, message);
                }
                else
                {
                    _unsetSecrets.Add(new ConfigError(path, node.Position, message));
                }

                return null;
            }

            return resolved;
        }

        /// <summary>
        /// An object of string values (or secrets), keyed by property name; <paramref name="problem"/>,
        /// when given, names what is wrong with one entry (its name and value) or returns null.
        /// </summary>
        private ImmutableDictionary<string, string> StringMap(SourceNode node, string path, string hint, bool secrets, StringComparer comparer,
            Func<string, string, string?>? problem = null)
        {
            var builder = ImmutableDictionary.CreateBuilder<string, string>(comparer);
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, hint);
                return builder.ToImmutable();
            }

            foreach (var property in _read.UniqueProperties(node, path))
            {
                var itemPath = JsonPointer.Append(path, property.Name);
                if ((secrets ? Secret(property.Value, itemPath) : String(property.Value, itemPath)) is not { } value)
                {
                    continue;
                }

                if (problem?.Invoke(property.Name, value) is { } message)
                {
                    Error(itemPath, property.Value, message);
                }
                else
                {
                    builder[property.Name] = value;
                }
            }

            return builder.ToImmutable();
        }

        /// <summary>A whole number from <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
        private long? PositiveNumber(SourceNode node, string path, long minimum, long maximum)
        {
            if (SourceNodeReader.TryGetInt64(node, out var value) && value >= minimum && value <= maximum)
            {
                return value;
            }

            Error(path, node, $"Expected a whole number from {minimum} to {maximum}.");
            return null;
        }

        /// <summary>A duration written <c>"500ms"</c>, <c>"30s"</c>, <c>"5m"</c>, <c>"1h"</c>, or a number of seconds.</summary>
        private TimeSpan? Duration(SourceNode node, string path, TimeSpan minimum, TimeSpan maximum)
        {
            TimeSpan? value = null;
            if (SourceNodeReader.TryGetInt64(node, out var seconds) && seconds > 0 && seconds < 1_000_000)
            {
                value = TimeSpan.FromSeconds(seconds);
            }
            else if (node.Kind == SourceNodeKind.String && DurationPattern().Match(node.Text!) is { Success: true } match
                && long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount) && amount < 1_000_000_000)
            {
                value = match.Groups[2].Value switch
                {
                    "ms" => TimeSpan.FromMilliseconds(amount),
                    "s" => TimeSpan.FromSeconds(amount),
                    "m" => TimeSpan.FromMinutes(amount),
                    _ => TimeSpan.FromHours(amount),
                };
            }

            if (value is null)
            {
                Error(path, node, "Expected a duration such as \"500ms\", \"30s\", \"5m\" or \"1h\", or a number of seconds.");
                return null;
            }

            if (value < minimum || value > maximum)
            {
                Error(path, node, $"Expected a duration from {minimum.TotalSeconds:0.###} s to {maximum.TotalSeconds:0.###} s.");
                return null;
            }

            return value;
        }

        /// <summary>An absolute http(s) URL without credentials; <paramref name="example"/> shows one in the error.</summary>
        private Uri? HttpUrl(SourceNode node, string path, string example)
        {
            if (String(node, path) is not { } text)
            {
                return null;
            }

            if (Uri.TryCreate(text, UriKind.Absolute, out var url) && url.Scheme is "http" or "https" && string.IsNullOrEmpty(url.UserInfo))
            {
                return url;
            }

            Error(path, node, $"'{text}' is not an http(s) URL without credentials such as {example}.");
            return null;
        }
    }
}
