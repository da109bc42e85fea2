using System.Text.Json;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Answers;

/// <summary>
/// Rewrites the upstream's answer to one <c>tools/list</c> request so the client sees only the
/// tools its policy shows and pinning does not quarantine. The pins are checked by
/// <see cref="PrepareAsync"/> (store I/O) before the answer is inspected and rewritten.
/// </summary>
internal sealed class ToolsListRewriter(CompiledPolicy policy, UpstreamServerConfig? server = null, ToolCatalog? tools = null) : ResultRewriter
{
    private HashSet<string>? _quarantined;

    /// <summary>
    /// Checks the tools of <paramref name="message"/> (an answer that may be this list) against their
    /// pins, for the rewrite that follows; anything that is not a readable tool list is left to
    /// the inspection to refuse.
    /// </summary>
    public async ValueTask PrepareAsync(ReadOnlyMemory<byte> message, int maxDepth, CancellationToken cancellationToken)
    {
        _quarantined = null;
        if (server is null || tools is null || server.Pinning == PinningMode.Off)
        {
            return;
        }

        var listed = new List<PinnedDefinition>();
        var unpinnable = new List<string>();
        try
        {
            using var document = JsonDocument.Parse(message, new JsonDocumentOptions { MaxDepth = maxDepth });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("result", out var result)
                || result.ValueKind != JsonValueKind.Object || !result.TryGetProperty("tools", out var page) || page.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            foreach (var tool in page.EnumerateArray())
            {
                try
                {
                    if (PinnedDefinition.From(tool) is { } definition)
                    {
                        listed.Add(definition);
                    }
                }
                catch (InvalidOperationException) when (NameOf(tool) is { } name)
                {
                    // Not valid Unicode, so not pinnable: withheld. (A name that is not valid Unicode fails the whole list when it is filtered.)
                    unpinnable.Add(name);
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // Not a tool list this filter can read: the inspection that follows refuses it.
            return;
        }

        tools.Notice(server.Id, listed);
        var quarantined = await tools.Pins.QuarantinedAsync(server, listed, cancellationToken).ConfigureAwait(false);
        quarantined.UnionWith(unpinnable);
        _quarantined = quarantined;
    }

    private static string? NameOf(JsonElement tool)
    {
        try
        {
            return tool.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String ? name.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    protected override bool CanRewrite(JsonElement result) => result.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array;

    /// <inheritdoc />
    protected override void WriteResult(JsonElement result, Utf8JsonWriter writer)
    {
        var quarantined = _quarantined;
        policy.WriteFilteredToolsList(result, writer, quarantined is { Count: > 0 } ? quarantined.Contains : null);
    }
}
