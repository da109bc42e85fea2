using System.CommandLine;
using Microsoft.Extensions.Logging;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Stdio;
using Portcullis.Storage;

namespace Portcullis.Cli.Serving;

/// <summary>
/// <c>portcullis stdio --config FILE --server ID --token-env NAME</c>: the gateway as a stdio MCP
/// server for clients that launch a command. Standard output carries only protocol messages;
/// logs go to standard error.
/// </summary>
internal static class StdioCommand
{
    public static Command Create()
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration file.", Required = true };
        var server = new Option<string>("--server") { Description = "The id of the upstream server to front.", Required = true };
        var tokenEnv = new Option<string>("--token-env") { Description = "The environment variable holding the grant token.", Required = true };
        var ifPolicyInvalid = ServingOptions.IfPolicyInvalid();
        var command = new Command("stdio", "Serve one upstream over stdio, as the grant whose token is in --token-env.") { configFile, server, tokenEnv, ifPolicyInvalid };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            var path = parseResult.GetRequiredValue(configFile);
            var serverId = parseResult.GetRequiredValue(server);
            var config = ConfigFile.Load(path, error);
            if (config is null
                || ServingOptions.Prepare(config with { OnInvalidPolicyFile = parseResult.GetValue(ifPolicyInvalid) }, serverId, path, error) is not { } ready)
            {
                return ExitCodes.UsageOrIo;
            }

            config = ready;
            var variable = parseResult.GetRequiredValue(tokenEnv);
            var token = Environment.GetEnvironmentVariable(variable);
            if (string.IsNullOrEmpty(token))
            {
                error.WriteLine($"--token-env: environment variable '{variable}' is not set.");
                return ExitCodes.UsageOrIo;
            }

            using var loggers = LoggerFactory.Create(logging => logging
                .AddConsole(console => console.LogToStandardErrorThreshold = LogLevel.Trace)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddFilter("System", LogLevel.Warning));
            var output = Console.OpenStandardOutput();
            StdioGateway? gateway;
            string? refusal;
            try
            {
#pragma warning disable RS0030 // The stdio gateway's composition root: it runs on the system clock.
                (gateway, refusal) = await StdioGateway.CreateAsync(config, ConfiguredStores.OpenAsync, serverId, token, output, loggers, TimeProvider.System, cancellationToken);
#pragma warning restore RS0030
            }
            catch (StoreUnavailableException e)
            {
                error.WriteLine($"{path}: the store ({config.Store}) cannot be opened: {e.Message}");
                return ExitCodes.UsageOrIo;
            }

            await using var _ = gateway;
            if (gateway is null)
            {
                error.WriteLine($"stdio: {refusal}");
                return ExitCodes.Invalid;
            }

            using var input = new StreamReader(Console.OpenStandardInput());
            await gateway.RunAsync(input, cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }
}
