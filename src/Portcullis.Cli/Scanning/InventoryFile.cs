using System.Collections.Immutable;
using System.Text.Json;
using Portcullis.Gateway.Upstreams;

namespace Portcullis.Cli.Scanning;

/// <summary>
/// Reads a server's tools from a file, for scanning offline: a JSON object whose <c>tools</c> is the
/// array a <c>tools/list</c> result carries (every page, joined), and optionally <c>server</c> with
/// <c>name</c>, <c>description</c>, <c>serverInfo</c> and <c>instructions</c>.
/// </summary>
internal static class InventoryFile
{
    private static readonly string[] s_rootKeys = ["tools", "server", "_meta"];
    private static readonly string[] s_serverKeys = ["name", "description", "serverInfo", "instructions"];
    private static readonly string[] s_serverInfoKeys = ["name", "title", "version", "description", "icons", "websiteUrl"];

    /// <summary>The file's inventory, or null after writing every problem to <paramref name="error"/>.</summary>
    public static ToolInventory? Read(string path, TextWriter error)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"{path}: cannot read the file: {e.Message}");
            return null;
        }

        var problems = new List<string>();
        var inventory = Parse(text, problems);
        if (problems.Count > 0)
        {
            ConfigFile.WriteProblems(error, path, problems);
            return null;
        }

        return inventory;
    }

    /// <summary>The inventory in <paramref name="text"/>; adds every problem, each as <c>pointer: message</c>, to <paramref name="problems"/>.</summary>
    public static ToolInventory? Parse(string text, List<string> problems)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { AllowDuplicateProperties = false, MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            problems.Add($"/: not valid JSON (line {(e.LineNumber ?? 0) + 1}): {e.Message.Split(" Path:")[0]}");
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problems.Add("/: expected a JSON object: {\"tools\": [...], \"server\": {\"name\": ..., \"description\": ...}}.");
                return null;
            }

            CheckKeys(root, "", s_rootKeys, problems);
            var tools = Tools(root, problems);
            var inventory = new ToolInventory { Tools = tools };
            if (root.TryGetProperty("server", out var server))
            {
                inventory = Server(server, inventory, problems);
            }

            return problems.Count == 0 ? inventory : null;
        }
    }

    private static ImmutableArray<JsonElement> Tools(JsonElement root, List<string> problems)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array)
        {
            problems.Add("/tools: expected the array of tools a tools/list result carries (every page of it).");
            return [];
        }

        ImmutableArray<JsonElement> list = [.. tools.EnumerateArray().Select(tool => tool.Clone())];
        problems.AddRange(ToolProblems(list));
        return list;
    }

    /// <summary>What is wrong with a tool list, each as <c>/tools/N…: message</c>: a tool that is no object or has no name, a name listed twice.</summary>
    public static IEnumerable<string> ToolProblems(IReadOnlyList<JsonElement> tools)
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < tools.Count; index++)
        {
            var tool = tools[index];
            var path = $"/tools/{index}";
            if (tool.ValueKind != JsonValueKind.Object)
            {
                yield return $"{path}: expected a tool object with a name and an inputSchema.";
            }
            else if (!tool.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 } nameText)
            {
                yield return $"{path}/name: expected the tool's name, a non-empty string.";
            }
            else if (!names.TryAdd(nameText, index))
            {
                yield return $"{path}/name: '{nameText}' is listed twice (first at /tools/{names[nameText]}).";
            }
        }
    }

    private static ToolInventory Server(JsonElement server, ToolInventory inventory, List<string> problems)
    {
        if (server.ValueKind != JsonValueKind.Object)
        {
            problems.Add("/server: expected an object with name, description, serverInfo and instructions, each optional.");
            return inventory;
        }

        CheckKeys(server, "/server", s_serverKeys, problems);
        inventory = inventory with
        {
            Name = String(server, "name", "/server", problems),
            Description = String(server, "description", "/server", problems),
            Instructions = String(server, "instructions", "/server", problems),
        };
        if (!server.TryGetProperty("serverInfo", out var info))
        {
            return inventory;
        }

        if (info.ValueKind != JsonValueKind.Object)
        {
            problems.Add("/server/serverInfo: expected the serverInfo object of an initialize answer ({\"name\", \"title\", \"version\"}).");
            return inventory;
        }

        CheckKeys(info, "/server/serverInfo", s_serverInfoKeys, problems);
        var infoName = String(info, "name", "/server/serverInfo", problems);
        var infoDescription = String(info, "description", "/server/serverInfo", problems);
        return inventory with
        {
            // The file's own name and description, when given, are the operator's words and come first.
            Name = inventory.Name ?? infoName,
            Title = String(info, "title", "/server/serverInfo", problems),
            Version = String(info, "version", "/server/serverInfo", problems),
            Description = inventory.Description ?? infoDescription,
        };
    }

    private static string? String(JsonElement element, string name, string path, List<string> problems)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }

        problems.Add($"{path}/{name}: expected a string, found {value.ValueKind.ToString().ToLowerInvariant()}.");
        return null;
    }

    private static void CheckKeys(JsonElement element, string path, string[] known, List<string> problems)
    {
        foreach (var property in element.EnumerateObject().Where(p => !known.Contains(p.Name)))
        {
            problems.Add($"{path}/{property.Name}: unknown key '{property.Name}'. Expected one of: {string.Join(", ", known)}.");
        }
    }
}
