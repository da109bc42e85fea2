using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Demo;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage;
using Portcullis.Web.Hosting;

namespace Portcullis.Cli.Serving;

/// <summary><c>portcullis serve --config FILE</c> or <c>portcullis serve --demo</c>: runs the gateway until stopped.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var configFile = new Option<string?>("--config") { Description = "The gateway configuration file (portcullis.json)." };
        var demo = new Option<bool>("--demo") { Description = "Run a self-contained demo: a built-in upstream, the brief's policy and a fresh grant." };
        var listen = new Option<string?>("--listen") { Description = "Override the listen URL, e.g. http://127.0.0.1:8787." };
        var ifPolicyInvalid = ServingOptions.IfPolicyInvalid();
        var command = new Command("serve", "Run the gateway.") { configFile, demo, listen, ifPolicyInvalid };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var isDemo = parseResult.GetValue(demo);
            var path = parseResult.GetValue(configFile);
            if (isDemo == (path is not null))
            {
                error.WriteLine("serve: give exactly one of --config FILE or --demo.");
                return ExitCodes.UsageOrIo;
            }

            Uri? listenOverride = null;
            if (parseResult.GetValue(listen) is { } listenText
                && (!Uri.TryCreate(listenText, UriKind.Absolute, out listenOverride) || listenOverride.Scheme is not ("http" or "https")))
            {
                error.WriteLine($"--listen: '{listenText}' is not an http(s) URL.");
                return ExitCodes.UsageOrIo;
            }

            return isDemo
                ? await RunDemoAsync(listenOverride ?? new Uri("http://127.0.0.1:8787"), output, cancellationToken).ConfigureAwait(false)
                : await RunConfigAsync(path!, listenOverride, parseResult.GetValue(ifPolicyInvalid), output, error, cancellationToken).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunConfigAsync(string path, Uri? listen, InvalidPolicyFile onInvalidPolicy, TextWriter output, TextWriter error,
        CancellationToken cancellationToken)
    {
        var config = ConfigFile.Load(path, error);
        if (config is null || ServingOptions.Prepare(config with { OnInvalidPolicyFile = onInvalidPolicy }, null, path, error) is not { } ready)
        {
            return ExitCodes.UsageOrIo;
        }

        config = ready;
        if (listen is not null)
        {
            config = config with { Listen = listen };
        }

        WebApplication app;
        try
        {
            app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, [AdminUi.Module], cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            error.WriteLine($"{path}: the store ({config.Store}) cannot be opened: {e.Message}");
            return ExitCodes.UsageOrIo;
        }
        catch (InvalidOperationException e)
        {
            // A store schema newer than this build, or a stored policy version that no longer validates.
            error.WriteLine($"{path}: {e.Message}");
            return ExitCodes.UsageOrIo;
        }

        await using var _ = app;
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var baseUrl = app.ListeningAddress();
        foreach (var server in config.Servers)
        {
            output.WriteLine($"{server.Id}: {baseUrl}/mcp/{server.Id} → {server.Url}");
        }

        if (config.Admins.Length > 0)
        {
            output.WriteLine($"admin UI: {baseUrl}/admin/");
        }

        await WaitForShutdownAsync(app, cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task<int> RunDemoAsync(Uri listen, TextWriter output, CancellationToken cancellationToken)
    {
        await using var upstream = await DemoUpstream.StartAsync(cancellationToken).ConfigureAwait(false);
        var config = DemoConfig.Create(listen, upstream.Url, out var token, out var adminToken);
        await using var app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, [AdminUi.Module], logging => logging.AddFilter("Microsoft", LogLevel.Warning), cancellationToken).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var mcpUrl = $"{app.ListeningAddress()}/mcp/{DemoUpstream.ServerId}";
        output.WriteLine($"""
            Portcullis demo is running.

              MCP URL:      {mcpUrl}
              Grant token:  {token}   (grant '{DemoConfig.GrantName}', new on every start)
              Admin UI:     {app.ListeningAddress()}/admin/
              Admin token:  {adminToken}   (admin '{DemoConfig.AdminName}', new on every start; signs in to the admin UI)
              Policy:       the product brief's: code_generate allowed 10 times a minute, everything else denied

            Try it:
              curl -s {mcpUrl} \
                -H 'Authorization: Bearer {token}' \
                -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
                -d '{"{"}"jsonrpc":"2.0","id":1,"method":"initialize","params":{"{"}"protocolVersion":"2025-11-25","capabilities":{"{}"},"clientInfo":{"{"}"name":"curl","version":"1"{"}"}{"}"}{"}"}'

            Press Ctrl+C to stop.
            """);
        await WaitForShutdownAsync(app, cancellationToken).ConfigureAwait(false);
        return ExitCodes.Success;
    }

    private static async Task WaitForShutdownAsync(WebApplication app, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, app.Services.GetRequiredService<TimeProvider>(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C or SIGTERM: stop gracefully below.
        }

        await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
