using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Validation;

namespace Portcullis.Policy.Parsing;

/// <summary>Binding <c>validate_args</c>: <c>true</c>, <c>false</c>, or a JSON Schema the operator adds to the server's.</summary>
internal sealed partial class PolicyBinder
{
    private static readonly string[] s_referenceKeywords = ["$ref", "$dynamicRef", "$recursiveRef"];

    private ArgumentValidationRule? BindValidateArgs(SourceNode node, string path)
    {
        if (node.Kind == SourceNodeKind.Boolean)
        {
            return new ArgumentValidationRule { Enabled = node.BooleanValue };
        }

        if (node.Kind != SourceNodeKind.Object)
        {
            Error(path, node, $"Expected true, false or a JSON Schema object but found {node.KindName}.",
                "true checks arguments against the server's schema; an object such as {\"properties\": {\"language\": {\"enum\": [\"python\"]}}} must hold as well.");
            return null;
        }

        var before = _errors.Count;
        CheckKeys(node, path);
        if (_errors.Count > before)
        {
            return null;
        }

        var json = SourceNodeJson.ToText(node);

        CheckAgainstMetaSchema(node, path, json);
        if (_errors.Count > before)
        {
            return null;
        }

        try
        {
            ArgumentSchema.Parse(json);
        }
        catch (ArgumentSchemaException e)
        {
            Error(path, node, $"The schema cannot be used: {e.Message}");
            return null;
        }

        return new ArgumentValidationRule { Schema = json };
    }

    /// <summary>
    /// Reports repeated keys anywhere in the schema, and references that point outside it:
    /// schemas are never fetched, so a reference must point inside the schema itself.
    /// </summary>
    private void CheckKeys(SourceNode node, string path)
    {
        foreach (var property in UniqueProperties(node, path))
        {
            var propertyPath = JsonPointer.Append(path, property.Name);
            if (s_referenceKeywords.Contains(property.Name) && property.Value.Kind == SourceNodeKind.String && !property.Value.Text!.StartsWith('#'))
            {
                Error(propertyPath, property.Value, $"{property.Name} \"{property.Value.Text}\" points outside the schema; Portcullis never fetches schemas.",
                    "Put the definition under $defs and refer to it as \"#/$defs/name\".");
            }

            CheckKeys(property.Value, propertyPath);
        }

        for (var i = 0; i < node.Items.Count; i++)
        {
            CheckKeys(node.Items[i], JsonPointer.Append(path, i));
        }
    }

    /// <summary>Reports every place the schema breaks its dialect's meta-schema (draft 2020-12 unless $schema says otherwise).</summary>
    private void CheckAgainstMetaSchema(SourceNode node, string path, string json)
    {
        var instance = JsonNode.Parse(json);
        var dialect = instance is JsonObject root && root["$schema"] is JsonValue declared && declared.TryGetValue<string>(out var uri) ? uri : null;
        var metaSchema = dialect switch
        {
            null => MetaSchemas.Draft202012,
            "https://json-schema.org/draft/2020-12/schema" => MetaSchemas.Draft202012,
            "https://json-schema.org/draft/2019-09/schema" => MetaSchemas.Draft201909,
            "http://json-schema.org/draft-07/schema#" or "http://json-schema.org/draft-07/schema" => MetaSchemas.Draft7,
            _ => null,
        };
        if (metaSchema is null)
        {
            Error(JsonPointer.Append(path, "$schema"), node, $"Unknown JSON Schema dialect \"{dialect}\".",
                "Leave $schema out for draft 2020-12, or use \"http://json-schema.org/draft-07/schema#\" or \"https://json-schema.org/draft/2019-09/schema\".");
            return;
        }

        var results = metaSchema.Evaluate(instance, new EvaluationOptions { OutputFormat = OutputFormat.List });
        if (results.IsValid)
        {
            return;
        }

        var reported = false;
        foreach (var detail in results.Details.Prepend(results))
        {
            if (detail.Errors is not { Count: > 0 } errors)
            {
                continue;
            }

            var location = path + detail.InstanceLocation;
            foreach (var message in errors.Values)
            {
                Error(location, Find(node, detail.InstanceLocation) ?? node, $"Not a valid JSON Schema: {message}");
                reported = true;
            }
        }

        if (!reported)
        {
            Error(path, node, "Not a valid JSON Schema.");
        }
    }

    private static SourceNode? Find(SourceNode node, Json.Pointer.JsonPointer pointer)
    {
        var current = node;
        foreach (var name in pointer)
        {
            current = current.Kind switch
            {
                SourceNodeKind.Object => current.Properties.FirstOrDefault(p => p.Name == name)?.Value,
                SourceNodeKind.Array when int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < current.Items.Count => current.Items[i],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }
}
