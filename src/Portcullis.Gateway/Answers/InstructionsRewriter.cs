using System.Text.Json;
using Portcullis.Gateway.Configuration;

namespace Portcullis.Gateway.Answers;

/// <summary>Rewrites the upstream's answer to an <c>initialize</c> request: drops or replaces its <c>instructions</c>.</summary>
internal sealed class InstructionsRewriter(UpstreamInstructions instructions) : ResultRewriter
{
    /// <inheritdoc />
    protected override bool CanRewrite(JsonElement result) => true;

    /// <inheritdoc />
    protected override void WriteResult(JsonElement result, Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        foreach (var field in result.EnumerateObject())
        {
            if (!field.NameEquals("instructions"))
            {
                field.WriteTo(writer);
            }
        }

        if (instructions.Mode == InstructionsMode.Replace)
        {
            writer.WriteString("instructions", instructions.Text);
        }

        writer.WriteEndObject();
    }
}
