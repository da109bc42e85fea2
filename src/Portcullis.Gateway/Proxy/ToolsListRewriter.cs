using System.Text.Json;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Proxy;

/// <summary>Rewrites the upstream's answer to one <c>tools/list</c> request so the client sees only the tools its policy shows.</summary>
internal sealed class ToolsListRewriter(CompiledPolicy policy) : ResultRewriter
{
    /// <inheritdoc />
    protected override bool CanRewrite(JsonElement result) => result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array;

    /// <inheritdoc />
    protected override void WriteResult(JsonElement result, Utf8JsonWriter writer) => policy.WriteFilteredToolsList(result, writer);
}
