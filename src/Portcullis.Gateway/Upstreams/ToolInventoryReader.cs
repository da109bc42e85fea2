using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Protocol;

namespace Portcullis.Gateway.Upstreams;

/// <summary>The server's tools could not be read; the message says why, for the operator.</summary>
internal sealed class ToolInventoryException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Opens a session of its own with one upstream — over HTTP, or by starting its command, exactly as
/// the gateway reaches it (headers, environment, answer limits) — and reads what the server says
/// about itself and every page of its tool list: <c>initialize</c>, <c>notifications/initialized</c>,
/// then <c>tools/list</c> through <see cref="ToolListReader"/>, which stops at a repeated cursor or
/// after <see cref="ToolListReader.MaxPages"/> pages. The session is closed (the process stopped) afterwards.
/// </summary>
internal static class ToolInventoryReader
{
    private const string InitializeId = "portcullis-inventory-initialize";

    public static async Task<ToolInventory> ReadAsync(UpstreamServerConfig server, string clientName, string clientVersion, ILoggerFactory loggerFactory,
        CancellationToken cancellationToken)
    {
        var where = server.Command is null ? server.Url.ToString() : $"'{server.Command}'";
        var timeout = server.Limits.Timeout;
        using var clients = new UpstreamClients([server], loggerFactory);
        var session = new UpstreamHttpSession(clients.For(server), server);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var inventory = await InitializeAsync(session, clientName, clientVersion, deadline.Token).ConfigureAwait(false);
            await foreach (var _ in session.SendAsync(Initialized(), isInitialize: false, deadline.Token).ConfigureAwait(false))
            {
                // A notification has no answer; anything the server sends along is not ours to act on.
            }

            var tools = await ToolListReader.ReadAllAsync(session, timeout, static _ => { }, deadline.Token).ConfigureAwait(false);
            return inventory with { Tools = [.. tools] };
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ToolInventoryException($"{where} did not answer within {timeout.TotalSeconds:0} s", e);
        }
        catch (ToolListException e)
        {
            throw new ToolInventoryException($"cannot read the tool list of {where}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw new ToolInventoryException($"cannot reach {where}: {e.Message}", e);
        }
        catch (UpstreamStatusException e)
        {
            throw new ToolInventoryException($"{where} answered HTTP {e.StatusCode}", e);
        }
        catch (Exception e) when (e is UpstreamAnswerException or JsonException or IOException)
        {
            throw new ToolInventoryException($"{where} answered with something that is not MCP: {e.Message}", e);
        }
        catch (Win32Exception e)
        {
            throw new ToolInventoryException($"cannot start {where}: {e.Message}", e);
        }
        finally
        {
            await CloseQuietlyAsync(session).ConfigureAwait(false);
        }
    }

    private static async Task<ToolInventory> InitializeAsync(UpstreamHttpSession session, string clientName, string clientVersion, CancellationToken cancellationToken)
    {
        await foreach (var answer in session.SendAsync(Initialize(clientName, clientVersion), isInitialize: true, cancellationToken).ConfigureAwait(false))
        {
            using var document = JsonDocument.Parse(answer);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || !id.ValueEquals(InitializeId))
            {
                continue;
            }

            if (root.TryGetProperty("error", out var error))
            {
                throw new ToolInventoryException($"initialize failed with the error {Excerpt.Of(ToolListReader.Describe(error), 300)}");
            }

            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.Object)
            {
                throw new ToolInventoryException("the server's initialize answer has no result");
            }

            var version = StringOf(result, "protocolVersion");
            if (version is null || !ProtocolVersions.IsSupported(version))
            {
                throw new ToolInventoryException(
                    $"the server answered initialize with protocol version '{version ?? "(none)"}'; Portcullis speaks {ProtocolVersions.SupportedList}");
            }

            if (!result.TryGetProperty("capabilities", out var capabilities) || capabilities.ValueKind != JsonValueKind.Object
                || !capabilities.TryGetProperty("tools", out _))
            {
                throw new ToolInventoryException("the server does not offer tools (its initialize answer has no capabilities.tools)");
            }

            var info = result.TryGetProperty("serverInfo", out var serverInfo) && serverInfo.ValueKind == JsonValueKind.Object ? serverInfo : default;
            return new ToolInventory
            {
                Name = StringOf(info, "name"),
                Title = StringOf(info, "title"),
                Version = StringOf(info, "version"),
                Description = StringOf(info, "description"),
                Instructions = StringOf(result, "instructions"),
            };
        }

        throw new ToolInventoryException("the server did not answer initialize");
    }

    private static async Task CloseQuietlyAsync(UpstreamHttpSession session)
    {
        try
        {
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await session.CloseAsync(wait.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or InvalidOperationException)
        {
            // Best effort: the server ends idle sessions itself.
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[] Initialize(string clientName, string clientVersion) => JsonSerializer.SerializeToUtf8Bytes(new
    {
        jsonrpc = "2.0",
        id = InitializeId,
        method = "initialize",
        @params = new { protocolVersion = ProtocolVersions.Latest, capabilities = new { }, clientInfo = new { name = clientName, version = clientVersion } },
    });

    private static byte[] Initialized() => """{"jsonrpc":"2.0","method":"notifications/initialized"}"""u8.ToArray();
}
