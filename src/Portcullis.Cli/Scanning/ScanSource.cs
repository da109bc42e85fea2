using System.Collections;
using System.Collections.Immutable;
using System.CommandLine;
using System.Reflection;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy.Risk;

namespace Portcullis.Cli.Scanning;

/// <summary>What a scan reads: the server's inventory and the operator's overrides for its tools.</summary>
internal sealed record ScanInput(ToolInventory Inventory, ImmutableDictionary<string, RiskOverride> Overrides);

/// <summary>
/// The four places a scan can read tools from — a configured server (through the gateway's own
/// upstream settings), a URL, a command that speaks stdio, or an inventory file — checked so that
/// exactly one is named, and read with every problem written to the error stream.
/// </summary>
internal sealed class ScanSource
{
    public Option<string?> Config { get; } = new("--config") { Description = "A gateway configuration file; scan the server --server names in it, reached as the gateway reaches it." };
    public Option<string?> Server { get; } = new("--server") { Description = "With --config: the id of the server to scan." };
    public Option<string?> Url { get; } = new("--url") { Description = "Scan the Streamable HTTP MCP server at this URL." };
    public Option<string[]> Headers { get; } = new("--header") { Description = "With --url: a header sent with every request, \"Name: value\"; repeatable.", AllowMultipleArgumentsPerToken = false };
    public Option<string?> File { get; } = new("--file") { Description = "Scan offline from a JSON file: {\"tools\": [...], \"server\": {\"name\", \"description\", \"serverInfo\", \"instructions\"}}." };
    public Argument<string[]> Command { get; } = new("command") { Description = "After --: a command that starts a stdio MCP server, and its arguments.", Arity = ArgumentArity.ZeroOrMore };

    public IEnumerable<Symbol> Symbols => [Config, Server, Url, Headers, File, Command];

    /// <summary>The input the command line names, or null with the exit code after writing why.</summary>
    public async Task<(ScanInput? Input, int ExitCode)> ReadAsync(ParseResult parseResult, TextWriter error, CancellationToken cancellationToken)
    {
        var configPath = parseResult.GetValue(Config);
        var serverId = parseResult.GetValue(Server);
        var url = parseResult.GetValue(Url);
        var headers = parseResult.GetValue(Headers) ?? [];
        var file = parseResult.GetValue(File);
        var command = parseResult.GetValue(Command) ?? [];
        var named = new[] { configPath is not null, url is not null, file is not null, command.Length > 0 }.Count(given => given);
        if (named != 1)
        {
            error.WriteLine("scan: name exactly one server: --config FILE --server ID, --url URL, --file FILE, or -- COMMAND ARGS...");
            return (null, ExitCodes.UsageOrIo);
        }

        if ((serverId is not null) != (configPath is not null))
        {
            error.WriteLine(configPath is null ? "--server: only with --config." : "--server: --config needs the id of the server to scan.");
            return (null, ExitCodes.UsageOrIo);
        }

        if (headers.Length > 0 && url is null)
        {
            error.WriteLine("--header: only with --url (a configured server's headers come from its configuration).");
            return (null, ExitCodes.UsageOrIo);
        }

        if (file is not null)
        {
            return InventoryFile.Read(file, error) is { } fromFile
                ? (new ScanInput(fromFile, ImmutableDictionary<string, RiskOverride>.Empty), ExitCodes.Success)
                : (null, ExitCodes.UsageOrIo);
        }

        UpstreamServerConfig server;
        if (configPath is not null)
        {
            // The server's policy file does not matter here (it may not exist yet: it may be the one
            // this scan writes), nor other parts' secrets; the server's own secrets do.
            if (ConfigFile.Load(configPath, error) is not { } config)
            {
                return (null, ExitCodes.UsageOrIo);
            }

            if (config.Servers.FirstOrDefault(s => s.Id == serverId) is not { } configured)
            {
                error.WriteLine($"--server: no server has id '{serverId}'. Servers: {string.Join(", ", config.Servers.Select(s => s.Id))}.");
                return (null, ExitCodes.Invalid);
            }

            if (!configured.UnsetSecrets.IsEmpty)
            {
                ConfigFile.WriteProblems(error, configPath, configured.UnsetSecrets);
                return (null, ExitCodes.UsageOrIo);
            }

            server = configured;
        }
        else if (url is not null)
        {
            if (!TryUrlServer(url, headers, error, out server))
            {
                return (null, ExitCodes.UsageOrIo);
            }
        }
        else
        {
            server = CommandServer(command);
        }

        ToolInventory inventory;
        try
        {
            inventory = await ToolInventoryReader.ReadAsync(server, "portcullis-scan", ClientVersion, NullLoggerFactory.Instance, cancellationToken);
        }
        catch (ToolInventoryException e)
        {
            error.WriteLine($"scan: {e.Message.TrimEnd('.')}. Nothing was scanned.");
            return (null, ExitCodes.UsageOrIo);
        }

        var problems = InventoryFile.ToolProblems(inventory.Tools).ToList();
        if (problems.Count > 0)
        {
            ConfigFile.WriteProblems(error, "scan: the server's tool list", problems);
            return (null, ExitCodes.UsageOrIo);
        }

        // The operator's description of a configured server comes before what the server says of itself.
        return (new ScanInput(inventory with { Description = server.Description ?? inventory.Description }, server.RiskOverrides), ExitCodes.Success);
    }

    private static bool TryUrlServer(string url, string[] headers, TextWriter error, out UpstreamServerConfig server)
    {
        server = null!;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(parsed.UserInfo))
        {
            error.WriteLine($"--url: '{url}' is not an http(s) URL without credentials; pass credentials with --header.");
            return false;
        }

        var pairs = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            var colon = header.IndexOf(':', StringComparison.Ordinal);
            var name = colon > 0 ? header[..colon].Trim() : "";
            var value = colon > 0 ? header[(colon + 1)..].Trim() : "";
            if (name.Length == 0 || name.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) || value.Any(char.IsControl))
            {
                error.WriteLine($"--header: '{header}' is not \"Name: value\".");
                return false;
            }

            if (ConfigLoader.IsReservedHeader(name))
            {
                error.WriteLine($"--header: '{name}' is set by Portcullis itself.");
                return false;
            }

            pairs[name] = value;
        }

        server = new UpstreamServerConfig { Id = "scan", Url = parsed, Headers = pairs.ToImmutable() };
        return true;
    }

    /// <summary>
    /// A command the operator runs from their own shell: unlike a configured server, it gets the
    /// operator's whole environment, as any command they run would.
    /// </summary>
    private static UpstreamServerConfig CommandServer(string[] command)
    {
        var environment = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            environment[(string)variable.Key] = (string?)variable.Value ?? "";
        }

        return new UpstreamServerConfig
        {
            // The id names the server in messages, e.g. "Upstream server 'my-server' exited before answering."
            Id = Path.GetFileName(command[0]),
            Url = new Uri("stdio://scan"),
            Command = command[0],
            Arguments = [.. command[1..]],
            Environment = environment.ToImmutable(),
        };
    }

    private static string ClientVersion =>
        typeof(ScanSource).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
