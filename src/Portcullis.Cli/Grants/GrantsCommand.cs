using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Grants;

namespace Portcullis.Cli.Grants;

/// <summary>
/// <c>portcullis grants create|list|rotate|revoke</c>: grants kept in the configuration's store.
/// Tokens are printed once, at creation or rotation, and stored only as SHA-256 hashes; a running
/// gateway reads the store on every request, so changes apply to the next call.
/// </summary>
internal static class GrantsCommand
{
    public static Command Create(TimeProvider timeProvider)
    {
        var configFile = new Option<string>("--config") { Description = "The gateway configuration file whose store holds the grants.", Required = true };
        return new Command("grants", "Create, list, rotate and revoke grants at run time.")
        {
            CreateCommand(configFile, timeProvider),
            ListCommand(configFile, timeProvider),
            RotateCommand(configFile),
            RevokeCommand(configFile, timeProvider),
        };
    }

    private static Command CreateCommand(Option<string> configFile, TimeProvider timeProvider)
    {
        var name = new Option<string>("--name") { Description = "The grant's unique name.", Required = true };
        var servers = new Option<string[]>("--server") { Description = "A server the grant may use; repeatable.", Required = true };
        var labels = new Option<string[]>("--label") { Description = "A label, key=value; repeatable." };
        var expires = new Option<string?>("--expires") { Description = "When the grant stops working (ISO 8601)." };
        var command = new Command("create", "Create a grant and print its token (shown only once).") { configFile, name, servers, labels, expires };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (await OpenStoreAsync(parseResult.GetRequiredValue(configFile), error, cancellationToken) is not var (config, state))
            {
                return ExitCodes.UsageOrIo;
            }

            await using var _ = state;
            var store = state.Grants;
            var grantName = parseResult.GetRequiredValue(name);
            var grantServers = parseResult.GetRequiredValue(servers);
            var unknown = grantServers.Where(s => config.Servers.All(server => server.Id != s)).Select(s => $"--server: no server has id '{s}'.").ToList();
            if (config.Grants.Any(g => g.Name == grantName))
            {
                unknown.Add($"--name: '{grantName}' is a grant of the configuration file.");
            }

            var problems = new List<string>();

            var labelsValid = ConfigFile.TryParsePairs(parseResult.GetValue(labels) ?? [], "--label", error, out var labelPairs);

            DateTimeOffset? expiry = null;
            if (parseResult.GetValue(expires) is { } expiresText)
            {
                if (DateTimeOffset.TryParse(expiresText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    expiry = parsed;
                }
                else
                {
                    problems.Add($"--expires: '{expiresText}' is not a date and time such as 2027-01-01T00:00:00Z.");
                }
            }

            if (problems.Count > 0 || !labelsValid || unknown.Count > 0)
            {
                unknown.ForEach(error.WriteLine);
                problems.ForEach(error.WriteLine);
                return problems.Count > 0 || !labelsValid ? ExitCodes.UsageOrIo : ExitCodes.Invalid;
            }

            var token = GrantRegistry.NewToken();
            var created = await store.CreateAsync(new StoredGrant
            {
                Name = grantName,
                TokenHash = [.. GrantRegistry.Hash(token)],
                Servers = [.. grantServers],
                Labels = labelPairs.ToImmutableDictionary(StringComparer.Ordinal),
                Expires = expiry,
                CreatedAt = timeProvider.GetUtcNow(),
            }, cancellationToken);
            if (!created)
            {
                error.WriteLine($"--name: a grant named '{grantName}' already exists.");
                return ExitCodes.Invalid;
            }

            await RecordAsync(config, state, "grant.created", grantName, $"servers={string.Join(",", grantServers)}; expires={Format(expiry)}");
            output.WriteLine($"Created grant '{grantName}' for {string.Join(", ", grantServers)}.");
            output.WriteLine($"Token (shown only now): {token}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command ListCommand(Option<string> configFile, TimeProvider timeProvider)
    {
        var command = new Command("list", "List grants: configured and created at run time (never their tokens).") { configFile };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (await OpenStoreAsync(parseResult.GetRequiredValue(configFile), error, cancellationToken, requireStore: false, writesAudit: false) is not var (config, state))
            {
                return ExitCodes.UsageOrIo;
            }

            await using var _ = state;
            var store = state.Grants;

            output.WriteLine($"{"NAME",-24} {"SOURCE",-8} {"STATE",-8} {"SERVERS",-24} EXPIRES");
            foreach (var grant in config.Grants)
            {
                output.WriteLine($"{grant.Name,-24} {"config",-8} {"live",-8} {string.Join(",", grant.Servers),-24} {Format(grant.Expires)}");
            }

            foreach (var grant in await store.ListAsync(cancellationToken))
            {
                var status = grant.RevokedAt is not null ? "revoked" : grant.Expires <= timeProvider.GetUtcNow() ? "expired" : "live";
                output.WriteLine($"{grant.Name,-24} {"store",-8} {status,-8} {string.Join(",", grant.Servers),-24} {Format(grant.Expires)}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command RotateCommand(Option<string> configFile)
    {
        var name = new Argument<string>("name") { Description = "The grant to give a new token." };
        var command = new Command("rotate", "Give a grant a new token; the old one stops working at once.") { configFile, name };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (await OpenStoreAsync(parseResult.GetRequiredValue(configFile), error, cancellationToken) is not var (config, state))
            {
                return ExitCodes.UsageOrIo;
            }

            await using var _ = state;
            var store = state.Grants;

            var grantName = parseResult.GetRequiredValue(name);
            var token = GrantRegistry.NewToken();
            if (!await store.ReplaceTokenAsync(grantName, GrantRegistry.Hash(token), cancellationToken))
            {
                error.WriteLine($"No live run-time grant is named '{grantName}' (configured grants rotate by changing their token in the file).");
                return ExitCodes.Invalid;
            }

            await RecordAsync(config, state, "grant.rotated", grantName, "new token");
            output.WriteLine($"Rotated grant '{grantName}'.");
            output.WriteLine($"Token (shown only now): {token}");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command RevokeCommand(Option<string> configFile, TimeProvider timeProvider)
    {
        var name = new Argument<string>("name") { Description = "The grant to revoke." };
        var command = new Command("revoke", "Revoke a grant for good; its next request is refused.") { configFile, name };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (await OpenStoreAsync(parseResult.GetRequiredValue(configFile), error, cancellationToken) is not var (config, state))
            {
                return ExitCodes.UsageOrIo;
            }

            await using var _ = state;
            var store = state.Grants;

            var grantName = parseResult.GetRequiredValue(name);
            if (!await store.RevokeAsync(grantName, timeProvider.GetUtcNow(), cancellationToken))
            {
                error.WriteLine($"No live run-time grant is named '{grantName}' (configured grants are removed from the file).");
                return ExitCodes.Invalid;
            }

            await RecordAsync(config, state, "grant.revoked", grantName, "revoked");
            output.WriteLine($"Revoked grant '{grantName}'.");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task RecordAsync(GatewayConfig config, StoreSet state, string action, string grantName, string after)
    {
        var audit = ConfigFile.OpenAuditLog(config, state);
        await using var _ = audit;
        await audit.RecordAsync(new AuditRecord { Kind = AuditKinds.Admin, Actor = ConfigFile.Actor, Action = action, Target = "grant:" + grantName, After = after });
    }

    /// <summary>The configuration and its opened store; every command but <c>list</c> changes a grant and writes an audit record.</summary>
    private static async Task<(GatewayConfig Config, StoreSet State)?> OpenStoreAsync(string path, TextWriter error, CancellationToken cancellationToken,
        bool requireStore = true, bool writesAudit = true)
    {
        var config = ConfigFile.Load(path, error);
        if (config is null || (writesAudit && !ConfigFile.CanWriteAudit(config, path, error)))
        {
            return null;
        }

        if (config.Store == StoreConfig.Memory && requireStore)
        {
            error.WriteLine($"{path}: the store is 'memory', which keeps no run-time grants; set \"store\": \"sqlite:portcullis.db\".");
            return null;
        }

        return await ConfigFile.OpenStateAsync(config, path, error, cancellationToken) is { } state ? (config, state) : null;
    }

    private static string Format(DateTimeOffset? value) => value?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";
}
