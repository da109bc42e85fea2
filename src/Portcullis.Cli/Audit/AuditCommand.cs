using System.CommandLine;
using System.Globalization;
using System.Text;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage.Audit;
using Spectre.Console;

namespace Portcullis.Cli.Audit;

/// <summary><c>portcullis audit verify|query|export|replay</c>: reading and checking the audit log.</summary>
internal static class AuditCommand
{
    public static Command Create(TimeProvider timeProvider)
    {
        var command = new Command("audit", "Verify, query, export and replay the audit log.");
        command.Subcommands.Add(Verify());
        command.Subcommands.Add(Query(timeProvider));
        command.Subcommands.Add(Export(timeProvider));
        command.Subcommands.Add(AuditReplayCommand.Create(timeProvider));
        return command;
    }

    private static Command Verify()
    {
        var configFile = new Option<string?>("--config") { Description = "Verify the store of this gateway configuration." };
        var file = new Option<string?>("--file") { Description = "Verify a JSONL export, or a directory of rotated JSONL files." };
        var keyEnv = new Option<string?>("--key-env") { Description = "Environment variable holding the checkpoint key (default: the configuration's)." };
        var command = new Command("verify",
            "Check the hash chains and checkpoint signatures; exit 1 naming the first altered, deleted or reordered record, 3 when only the last line of the newest JSONL file is torn.")
        { configFile, file, keyEnv };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            var (configPath, filePath) = (parseResult.GetValue(configFile), parseResult.GetValue(file));
            if ((configPath is null) == (filePath is null))
            {
                error.WriteLine("Give either --config (the store) or --file (a JSONL export).");
                return ExitCodes.UsageOrIo;
            }

            string? key = null;
            if (parseResult.GetValue(keyEnv) is { } variable)
            {
                key = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(key))
                {
                    error.WriteLine($"--key-env: environment variable '{variable}' is not set.");
                    return ExitCodes.UsageOrIo;
                }
            }

            if (filePath is not null)
            {
                if (!File.Exists(filePath) && !Directory.Exists(filePath))
                {
                    error.WriteLine($"--file: {filePath} does not exist.");
                    return ExitCodes.UsageOrIo;
                }

                AuditVerification verification;
                try
                {
                    verification = AuditVerifier.Verify(JsonlAuditSink.Read(filePath), AuditStoreVerifier.KeyBytes(key));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"--file: {filePath} cannot be read: {e.Message}");
                    return ExitCodes.UsageOrIo;
                }

                return Report(verification, output, error);
            }

            return await ConfigFile.WithStateAsync(configPath!, error, "audit records", async (config, state) =>
            {
                if (key is null && config.Audit.UnsetCheckpointKey is { } unset)
                {
                    ConfigFile.WriteProblems(error, configPath!, [$"{unset} Give the key with --key or set the variable: without it signatures cannot be checked."]);
                    return ExitCodes.UsageOrIo;
                }

                return Report(await AuditStoreVerifier.VerifyAsync(state.Audit, key ?? config.Audit.CheckpointKey, cancellationToken), output, error);
            }, cancellationToken);
        });
        return command;
    }

    private static Command Query(TimeProvider timeProvider)
    {
        var options = new FilterOptions();
        var limit = new Option<int>("--limit") { Description = "At most this many records (newest first).", DefaultValueFactory = _ => 50 };
        var json = new Option<bool>("--json") { Description = "Print the records as JSON Lines instead of a table." };
        var command = new Command("query", "Show audit records, newest first.") { options.Config, options.Since, options.Grant, options.Server, options.Tool, options.Decision, options.Kind, limit, json };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            if (options.Read(parseResult, timeProvider, error) is not { } query)
            {
                return ExitCodes.UsageOrIo;
            }

            query = query with { Limit = parseResult.GetValue(limit) };
            return await ConfigFile.WithStateAsync(parseResult.GetRequiredValue(options.Config), error, "audit records", async (_, state) =>
            {
                var records = await state.Audit.QueryAsync(query, cancellationToken);
                if (parseResult.GetValue(json))
                {
                    foreach (var record in records)
                    {
                        output.WriteLine(AuditCanonicalForm.Serialize(record));
                    }

                    return ExitCodes.Success;
                }

                var table = new Table().AddColumns("TIME (UTC)", "KIND", "DECISION / ACTION", "GRANT / ACTOR", "SERVER", "TOOL / TARGET", "RULE", "REASON");
                foreach (var record in records)
                {
                    table.AddRow(Cell(record.Time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)), Cell(record.Kind),
                        Cell(record.Decision ?? record.Action), Cell(GrantOrActor(record)), Cell(record.Server), Cell(record.Tool ?? record.Target),
                        Cell(record.RuleId), Cell(record.Reason));
                }

                TextTable.Write(output, table);
                output.WriteLine($"{records.Count} record(s).");
                return ExitCodes.Success;
            }, cancellationToken);
        });
        return command;
    }

    /// <summary>Who: the admin for an admin record (an approval's record names the grant too), the grant for the others.</summary>
    private static string? GrantOrActor(AuditRecord record) =>
        record.Kind == AuditKinds.Admin ? record.Actor ?? record.Grant : record.Grant ?? record.Actor;

    private static Command Export(TimeProvider timeProvider)
    {
        var options = new FilterOptions();
        var format = new Option<string>("--format") { Description = "jsonl (verifiable with 'audit verify --file') or csv.", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl", "csv");
        var outputFile = new Option<string?>("--output") { Description = "Write to this file instead of standard output." };
        var command = new Command("export", "Export audit records: JSON Lines in chain order (each chain by seq), CSV by time.") { options.Config, options.Since, options.Grant, options.Server, options.Tool, options.Decision, options.Kind, format, outputFile };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var error = parseResult.InvocationConfiguration.Error;
            if (options.Read(parseResult, timeProvider, error) is not { } query)
            {
                return ExitCodes.UsageOrIo;
            }

            var csv = parseResult.GetValue(format) == "csv";
            var path = parseResult.GetValue(outputFile);
            return await ConfigFile.WithStateAsync(parseResult.GetRequiredValue(options.Config), error, "audit records", async (_, state) =>
            {
                var writer = path is null ? parseResult.InvocationConfiguration.Output : new StreamWriter(path, append: false, new UTF8Encoding(false));
                try
                {
                    long count;
                    if (csv)
                    {
                        // A spreadsheet reads the log as a timeline; the JSON Lines export stays in chain order for 'audit verify --file'.
                        var rows = (await AuditExport.ReadCsvRowsAsync(state.Audit, query, limit: null, cancellationToken))!;
                        await AuditExport.WriteCsvAsync(rows, writer);
                        count = rows.Count;
                    }
                    else
                    {
                        count = await AuditExport.WriteJsonlAsync(state.Audit, query, writer, cancellationToken);
                    }

                    if (path is not null)
                    {
                        error.WriteLine($"Exported {count} record(s) to {path}.");
                    }

                    return ExitCodes.Success;
                }
                finally
                {
                    if (path is not null)
                    {
                        await writer.DisposeAsync();
                    }
                }
            }, cancellationToken);
        });
        return command;
    }

    private static Markup Cell(string? text) => TextTable.Cell(text);

    /// <summary>
    /// The exit code of <c>verify</c> when the only problem is a torn last line: a crash cut a
    /// write short, which is not tampering (1) and not an unreadable input (2).
    /// </summary>
    private const int TornTailExitCode = 3;

    private static int Report(AuditVerification verification, TextWriter output, TextWriter error)
    {
        if (!verification.Intact)
        {
            error.WriteLine($"ALTERED: {verification.Problem}");
            if (verification.TornTail is { } tornAlso)
            {
                error.WriteLine($"TORN_TAIL {tornAlso}: the last line is not a complete record either.");
            }

            return ExitCodes.Invalid;
        }

        output.WriteLine("OK: " + AuditStoreVerifier.Summary(verification));
        foreach (var chain in verification.ChainSummaries)
        {
            output.WriteLine("  " + Describe(chain, verification.SignaturesChecked));
        }

        var cuts = verification.ChainSummaries.Count(c => c.StartsAtRetentionCut);
        if (cuts > 0 && verification.RetentionCutoff is { } cutoff)
        {
            output.WriteLine(verification.SignaturesChecked
                ? $"{cuts} chain(s) start where retention cut them: a retention checkpoint signed with the key covers cuts before {AuditCanonicalForm.FormatTime(cutoff)}."
                : $"{cuts} chain(s) start where a retention checkpoint says retention cut them (before {AuditCanonicalForm.FormatTime(cutoff)}); only the key can prove that retention, not someone else, deleted their first records.");
        }

        if (!verification.SignaturesChecked)
        {
            output.WriteLine("Checkpoint signatures were not checked: without the key, whoever can rewrite the log can recompute its hashes too. Give --key-env (or a configuration with checkpoint_key).");
        }

        if (verification.TornTail is { } torn)
        {
            error.WriteLine($"TORN_TAIL {torn}: the last line is not a complete record (a write cut short, e.g. by a crash); it was skipped and everything before it verified.");
            return TornTailExitCode;
        }

        return ExitCodes.Success;
    }

    private static string Describe(AuditChainSummary chain, bool signaturesChecked)
    {
        var text = $"{chain.Chain}: seq {chain.FirstSeq} to {chain.LastSeq}" + (chain.StartsAtRetentionCut ? " (starts at a retention cut)" : "");
        if (!signaturesChecked)
        {
            return $"{text}; {chain.Checkpoints} checkpoint(s), signatures not checked";
        }

        return chain.LastSignedSeq switch
        {
            null => $"{text}; not signed: no checkpoint, only the hash chain covers it",
            { } last when last == chain.LastSeq => $"{text}; signed up to its last record",
            { } last => $"{text}; signed up to seq {last}, seq {last + 1} to {chain.LastSeq} only hash-chained",
        };
    }

    /// <summary>The filters <c>query</c> and <c>export</c> share.</summary>
    private sealed class FilterOptions
    {
        public Option<string> Config { get; } = new("--config") { Description = "The gateway configuration whose store holds the audit log.", Required = true };

        public Option<string?> Since { get; } = new("--since") { Description = "Records from this long ago (30m, 1h, 7d) or this UTC time (2026-11-25T12:00:00Z)." };

        public Option<string?> Grant { get; } = new("--grant") { Description = "Only this grant." };

        public Option<string?> Server { get; } = new("--server") { Description = "Only this server." };

        public Option<string?> Tool { get; } = new("--tool") { Description = "Only this tool." };

        public Option<string?> Decision { get; } = new("--decision") { Description = "Only this decision: allow, deny, shadow_deny, fail_open_allow, upstream_error." };

        public Option<string?> Kind { get; } = new("--kind") { Description = "Only this kind: call, admin, checkpoint." };

        public AuditQuery? Read(ParseResult parseResult, TimeProvider timeProvider, TextWriter error)
        {
            DateTimeOffset? since = null;
            if (parseResult.GetValue(Since) is { } text)
            {
                if (!ConfigFile.TryParseSince(text, timeProvider.GetUtcNow(), error, out var parsed))
                {
                    return null;
                }

                since = parsed;
            }

            return new AuditQuery
            {
                Since = since,
                Grant = parseResult.GetValue(Grant),
                Server = parseResult.GetValue(Server),
                Tool = parseResult.GetValue(Tool),
                Decision = parseResult.GetValue(Decision),
                Kind = parseResult.GetValue(Kind),
            };
        }
    }
}
