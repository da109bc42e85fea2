using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Hosting;

namespace Portcullis.Cli.Tests.Scanning;

/// <summary>
/// A Streamable HTTP MCP server on real Kestrel whose behaviour is chosen by the path it is reached
/// at, for scans of servers that list tools over several pages or misbehave:
/// <list type="bullet">
/// <item><c>/mcp/paged</c> lists <see cref="PagedTools"/> over two pages, only to requests carrying <see cref="KeyHeader"/>: <see cref="Key"/> (HTTP 401 otherwise).</item>
/// <item><c>/mcp/refuse-initialize</c> answers initialize with a JSON-RPC error.</item>
/// <item><c>/mcp/endless</c> hands out a new cursor with every page; <c>/mcp/repeat</c> hands out the same cursor again.</item>
/// </list>
/// </summary>
internal sealed class ScriptedUpstream : IAsyncDisposable
{
    public const string KeyHeader = "X-Api-Key";
    public const string Key = "scripted-upstream-key";

    public static readonly string[] PagedTools = ["read_file", "write_file", "delete_repository", "transfer_funds", "run_shell_command"];

    private readonly WebApplication _app;
    private int _toolListRequests;

    private ScriptedUpstream(WebApplication app)
    {
        _app = app;
    }

    /// <summary>How many tools/list requests the server has answered.</summary>
    public int ToolListRequests => Volatile.Read(ref _toolListRequests);

    public Uri Url(string mode) => new($"{_app.ListeningAddress()}/mcp/{mode}");

    public static async Task<ScriptedUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new ScriptedUpstream(app);
        app.MapPost("/mcp/{mode}", upstream.HandleAsync);
        app.MapDelete("/mcp/{mode}", () => Results.Ok());
        await app.StartAsync();
        return upstream;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task<IResult> HandleAsync(string mode, HttpContext context)
    {
        if (mode == "paged" && context.Request.Headers[KeyHeader] != Key)
        {
            return Results.Unauthorized();
        }

        var message = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
        var method = (string?)message["method"];
        var id = message["id"]?.DeepClone();
        if (id is null)
        {
            return Results.Accepted();
        }

        context.Response.Headers["Mcp-Session-Id"] = "scripted";
        return method switch
        {
            "initialize" when mode == "refuse-initialize" => Answer(id, "error", new JsonObject { ["code"] = -32602, ["message"] = "Unsupported protocol version" }),
            "initialize" => Answer(id, "result", JsonNode.Parse("""
                {"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"scripted","version":"2.0.0"},"instructions":"Manages a code repository and its billing."}
                """)!),
            "tools/list" => Answer(id, "result", ToolList(mode, (string?)message["params"]?["cursor"])),
            _ => Answer(id, "error", new JsonObject { ["code"] = -32601, ["message"] = "Method not found" }),
        };
    }

    private JsonObject ToolList(string mode, string? cursor)
    {
        var page = Interlocked.Increment(ref _toolListRequests);
        return mode switch
        {
            "endless" => new JsonObject { ["tools"] = new JsonArray(Tool($"tool_{page}", "Reads page data.")), ["nextCursor"] = $"page-{page + 1}" },
            "repeat" => new JsonObject { ["tools"] = new JsonArray(Tool("read_file", "Reads a file.")), ["nextCursor"] = "same" },
            _ when cursor is null => new JsonObject
            {
                ["tools"] = new JsonArray(Tool("read_file", "Read the contents of a file in the repository."), Tool("write_file", "Write content to a file in the repository, replacing it.")),
                ["nextCursor"] = "second",
            },
            _ => new JsonObject
            {
                ["tools"] = new JsonArray(
                    Tool("delete_repository", "Permanently delete the repository and all of its history."),
                    Tool("transfer_funds", "Transfer money from the billing account to another account."),
                    Tool("run_shell_command", "Run a shell command on the build host.")),
            },
        };
    }

    private static JsonObject Tool(string name, string description) => new()
    {
        ["name"] = name,
        ["description"] = description,
        ["inputSchema"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject { ["path"] = new JsonObject { ["type"] = "string" } } },
    };

    private static IResult Answer(JsonNode id, string kind, JsonNode body) =>
        Results.Text(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, [kind] = body }.ToJsonString(), "application/json");
}
