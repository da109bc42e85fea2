using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Validation;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// The policy in force for each server: the newest version in the policy store. A server's policy
/// file (or inline text) is an input: when its content differs from the last version imported from
/// it, at start-up or when the watched file is saved, it becomes a new version. A version saved by
/// another instance or the CLI is picked up by <see cref="RefreshAsync"/>. Invalid text is logged
/// and ignored, so the last good version keeps serving.
/// </summary>
public sealed class PolicyRegistry : IDisposable
{
    /// <summary>The change-feed topic on which saved versions are announced as <c>serverId</c>.</summary>
    public const string ChangeTopic = "policies";

    /// <summary>How long a watched policy file must stay unchanged (no event, same size and time) before it is read.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<string, AppliedPolicy> _policies = new(StringComparer.Ordinal);
    private readonly UpstreamServerConfig[] _servers;
    private readonly IPolicyStore _store;
    private readonly IChangeFeed? _changes;
    private readonly AuditLog? _audit;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly ConcurrentDictionary<string, long> _saveGenerations = new(StringComparer.Ordinal);
    private readonly InvalidPolicyFile _onInvalidFile;
    private readonly Func<string, CancellationToken, ValueTask<IReadOnlyCollection<string>>>? _knownTools;
    private readonly ConcurrentDictionary<string, int> _checkedVersions = new(StringComparer.Ordinal);

    /// <summary>Creates the registry; <see cref="InitializeAsync"/> loads the policies.</summary>
    /// <param name="knownTools">
    /// The tool names a server is known to list (none when nothing was seen yet): each version put in
    /// force is checked against them, and rules or hides that name no listed tool are logged.
    /// </param>
    public PolicyRegistry(IEnumerable<UpstreamServerConfig> servers, IPolicyStore store, IChangeFeed? changes, AuditLog? audit, TimeProvider timeProvider,
        ILogger<PolicyRegistry> logger, InvalidPolicyFile onInvalidFile = InvalidPolicyFile.Refuse,
        Func<string, CancellationToken, ValueTask<IReadOnlyCollection<string>>>? knownTools = null)
    {
        _onInvalidFile = onInvalidFile;
        _knownTools = knownTools;
        _servers = [.. servers];
        _store = store;
        _changes = changes;
        _audit = audit;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The policy now in force for a server.</summary>
    public CompiledPolicy? For(string serverId) => _policies.TryGetValue(serverId, out var policy) ? policy.Served.Policy : null;

    /// <summary>The policy now in force for a server, with its version.</summary>
    public ServedPolicy? Current(string serverId) => _policies.TryGetValue(serverId, out var policy) ? policy.Served : null;

    /// <summary>The stored version number of the policy in force for a server (0 when none is loaded).</summary>
    public int VersionOf(string serverId) => _policies.TryGetValue(serverId, out var policy) ? policy.Served.Version : 0;

    /// <summary>
    /// Imports each server's file or inline policy when it changed since its last import, applies
    /// the newest stored version, and starts watching the files.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        foreach (var server in _servers)
        {
            var (source, comment) = server.PolicyPath is { } path ? ("file", path) : ("config", "inline policy of the configuration");
            var text = server.PolicyText ?? await File.ReadAllTextAsync(server.PolicyPath!, cancellationToken).ConfigureAwait(false);
            var imported = await _store.LatestAsync(server.Id, source, cancellationToken).ConfigureAwait(false);
            (PolicyVersion Version, CompiledPolicy Policy)? saved = null;
            var fileInvalid = false;
            if (imported?.Text != text)
            {
                var format = server.PolicyPath is null ? PolicyFormat.Json : PolicyParser.FormatOf(server.PolicyPath);
                var (version, compiled, errors) = await SaveCompiledAsync(_store, _changes, new NewPolicyVersion(server.Id, text, FormatName(format), source,
                    comment, _timeProvider.GetUtcNow()), _audit, "gateway", cancellationToken).ConfigureAwait(false);
                if (version is not null)
                {
                    saved = (version, compiled!);
                }
                else if (await ServeStoredInsteadAsync(server, errors, cancellationToken).ConfigureAwait(false))
                {
                    fileInvalid = true;
                }
                else
                {
                    throw new InvalidOperationException($"Policy for server '{server.Id}' is invalid: {string.Join("; ", errors)}");
                }
            }

            var latest = await _store.LatestAsync(server.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
            var justSaved = saved is { } s && s.Version.Version == latest?.Version ? s.Policy : null;
            if (latest is null || !Apply(latest, justSaved))
            {
                throw new InvalidOperationException($"The newest stored policy of server '{server.Id}' cannot be applied; see the log.");
            }

            if (server.PolicyPath is { } file && latest.Source != "file" && saved is null && !fileInvalid)
            {
                await WarnFileNotInForceAsync(server.Id, file, text, latest, cancellationToken).ConfigureAwait(false);
            }

            await CheckToolNamesAsync(server.Id, cancellationToken).ConfigureAwait(false);

            if (server.PolicyPath is { } watched)
            {
                Watch(server.Id, watched);
            }
        }
    }

    /// <summary>
    /// When asked to (<see cref="InvalidPolicyFile.UseStored"/>) and a stored version exists, logs
    /// that the file is invalid and lets the newest stored version serve; false otherwise.
    /// </summary>
    private async Task<bool> ServeStoredInsteadAsync(UpstreamServerConfig server, IReadOnlyList<PolicyError> errors, CancellationToken cancellationToken)
    {
        if (_onInvalidFile != InvalidPolicyFile.UseStored || server.PolicyPath is not { } path
            || await _store.LatestAsync(server.Id, cancellationToken: cancellationToken).ConfigureAwait(false) is not { } stored)
        {
            return false;
        }

        Log.PolicyFileInvalidServingStored(_logger, server.Id, path, stored.Version, string.Join(Environment.NewLine, errors));
        return true;
    }

    /// <summary>
    /// Says at start-up that a version saved or restored by an operator serves while the file says
    /// otherwise: the file is imported only when its text changes, so a restart does not undo a restore.
    /// </summary>
    private async Task WarnFileNotInForceAsync(string serverId, string path, string fileText, PolicyVersion inForce, CancellationToken cancellationToken)
    {
        var versions = await _store.ListAsync(serverId, cancellationToken).ConfigureAwait(false);
        var match = versions.FirstOrDefault(v => v.Text == fileText);
        if (match?.Version == inForce.Version)
        {
            return;
        }

        var fileMatches = match is null ? "matches no stored version" : $"matches version {match.Version}";
        Log.PolicyFileNotInForce(_logger, serverId, inForce.Version, inForce.Source, inForce.Comment, path, fileMatches);
    }

    /// <summary>
    /// Logs, once per version in force, the rules and hides of a server's policy that name no tool
    /// the server is known to list (with the closest name): valid, but almost always a typo, and a
    /// hide that matches nothing leaves visible the tool it meant to hide. Nothing is logged while
    /// the server's tools are unknown; a failure to learn them only skips the check.
    /// </summary>
    private async Task CheckToolNamesAsync(string serverId, CancellationToken cancellationToken)
    {
        if (_knownTools is null || Current(serverId) is not { } served
            || _checkedVersions.TryGetValue(serverId, out var checkedVersion) && checkedVersion == served.Version)
        {
            return;
        }

        IReadOnlyCollection<string> tools;
        try
        {
            tools = await _knownTools(serverId, cancellationToken).ConfigureAwait(false);
        }
        catch (Portcullis.Storage.StoreUnavailableException)
        {
            return;
        }

        if (tools.Count == 0)
        {
            return;
        }

        _checkedVersions[serverId] = served.Version;
        foreach (var warning in ToolNameWarnings.Check(served.Policy.Document, tools))
        {
            Log.PolicyNamesUnknownTool(_logger, serverId, served.Version, warning.Path, warning.Message);
        }
    }

    /// <summary>Applies every server's newest stored version that is newer than the one in force.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        var latest = await _store.LatestVersionsAsync(cancellationToken).ConfigureAwait(false);
        foreach (var server in _servers)
        {
            if (latest.TryGetValue(server.Id, out var version) && version > VersionOf(server.Id)
                && await _store.GetAsync(server.Id, version, cancellationToken).ConfigureAwait(false) is { } stored
                && Apply(stored))
            {
                await CheckToolNamesAsync(server.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Validates <paramref name="policy"/> and saves it as the server's next version, records who
    /// did it in the audit log, and announces it to every instance. Returns the errors instead
    /// when it is invalid (nothing is saved).
    /// </summary>
    public static async Task<(PolicyVersion? Saved, IReadOnlyList<PolicyError> Errors)> SaveAsync(IPolicyStore store, IChangeFeed? changes,
        NewPolicyVersion policy, AuditLog? audit, string actor, CancellationToken cancellationToken = default)
    {
        var (saved, _, errors) = await SaveCompiledAsync(store, changes, policy, audit, actor, cancellationToken).ConfigureAwait(false);
        return (saved, errors);
    }

    /// <summary><see cref="SaveAsync"/>, also returning the compiled policy so the caller need not parse it again.</summary>
    private static async Task<(PolicyVersion? Saved, CompiledPolicy? Compiled, IReadOnlyList<PolicyError> Errors)> SaveCompiledAsync(IPolicyStore store,
        IChangeFeed? changes, NewPolicyVersion policy, AuditLog? audit, string actor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(policy);
        var result = PolicyParser.Parse(policy.Text, ParseFormat(policy.Format));
        if (!result.Succeeded)
        {
            return (null, null, result.Errors);
        }

        var saved = await store.SaveAsync(policy, cancellationToken).ConfigureAwait(false);
        if (audit is not null)
        {
            await audit.RecordAsync(new AuditRecord
            {
                Kind = AuditKinds.Admin,
                Actor = actor,
                Action = policy.Source == "restore" ? "policy.restored" : "policy.saved",
                Target = "server:" + policy.ServerId,
                Before = saved.Version > 1 ? (saved.Version - 1).ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
                After = saved.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Reason = $"{policy.Source}: {policy.Comment}",
            }).ConfigureAwait(false);
        }

        if (changes is not null)
        {
            try
            {
                await changes.PublishAsync(ChangeTopic, policy.ServerId, cancellationToken).ConfigureAwait(false);
            }
            catch (Portcullis.Storage.StoreUnavailableException)
            {
                // Instances that miss the message find the version at their next poll.
            }
        }

        return (saved, result.Policy, []);
    }

    /// <summary>The stored name of a policy format.</summary>
    public static string FormatName(PolicyFormat format) => format == PolicyFormat.Yaml ? "yaml" : "json";

    /// <summary>The policy format a stored name stands for.</summary>
    public static PolicyFormat ParseFormat(string name) => name == "yaml" ? PolicyFormat.Yaml : PolicyFormat.Json;

    /// <summary>Imports a server's policy file now if its content changed; returns whether a new version was applied.</summary>
    public async Task<bool> ReloadAsync(string serverId, string path, CancellationToken cancellationToken = default)
    {
        await _fileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            string text;
            try
            {
                text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log.PolicyUnreadable(_logger, serverId, path, e.Message);
                return false;
            }

            var imported = await _store.LatestAsync(serverId, "file", cancellationToken).ConfigureAwait(false);
            if (imported?.Text == text)
            {
                return false;
            }

            var (saved, compiled, errors) = await SaveCompiledAsync(_store, _changes,
                new NewPolicyVersion(serverId, text, FormatName(PolicyParser.FormatOf(path)), "file", path, _timeProvider.GetUtcNow()), _audit, "gateway",
                cancellationToken).ConfigureAwait(false);
            if (saved is null)
            {
                Log.PolicyRejected(_logger, serverId, path, string.Join(Environment.NewLine, errors));
                return false;
            }

            if (!Apply(saved, compiled))
            {
                return false;
            }

            await CheckToolNamesAsync(serverId, cancellationToken).ConfigureAwait(false);
            return true;
        }
        finally
        {
            _fileLock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }

        _fileLock.Dispose();
    }

    /// <summary>Puts <paramref name="stored"/> in force unless a newer version already is; <paramref name="compiled"/> saves parsing it again.</summary>
    private bool Apply(PolicyVersion stored, CompiledPolicy? compiled = null)
    {
        if (compiled is null)
        {
            var result = PolicyParser.Parse(stored.Text, ParseFormat(stored.Format));
            if (!result.Succeeded)
            {
                Log.StoredPolicyRejected(_logger, stored.ServerId, stored.Version, string.Join(Environment.NewLine, result.Errors));
                return false;
            }

            compiled = result.Policy;
        }

        var applied = new AppliedPolicy(new ServedPolicy(compiled, stored.Version));
        var current = _policies.AddOrUpdate(stored.ServerId, applied, (_, old) => old.Served.Version >= applied.Served.Version ? old : applied);
        if (ReferenceEquals(current, applied))
        {
            Log.PolicyApplied(_logger, stored.ServerId, stored.Version, stored.Source, stored.Comment);
        }

        return true;
    }

    private void Watch(string serverId, string path)
    {
        var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        // Editors save by writing in place or by renaming a temporary file over the original, and a
        // shell's `cat > file` truncates first and writes later. A save raises several events: the
        // file is read only once it has stayed quiet (see ReloadWhenStableAsync), and unchanged
        // text is skipped.
        FileSystemEventHandler onChange = (_, _) => ReloadInBackground(serverId, path);
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Renamed += (_, _) => ReloadInBackground(serverId, path);
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void ReloadInBackground(string serverId, string path)
    {
        var generation = _saveGenerations.AddOrUpdate(path, 1, (_, old) => old + 1);
        _ = Task.Run(async () =>
        {
            try
            {
                await ReloadWhenStableAsync(serverId, path, generation).ConfigureAwait(false);
            }
            catch (Portcullis.Storage.StoreUnavailableException e)
            {
                Log.PolicyUnreadable(_logger, serverId, path, "the policy store is unavailable: " + e.Message);
            }
            catch (ObjectDisposedException)
            {
                // The gateway is stopping.
            }
        });
    }

    /// <summary>
    /// Reads the file once no newer event arrived for <see cref="QuietPeriod"/> and its size and
    /// write time are the same across two looks that far apart; a newer event hands over to its own wait.
    /// </summary>
    private async Task ReloadWhenStableAsync(string serverId, string path, long generation)
    {
        var before = Stamp(path);
        while (true)
        {
            await Task.Delay(QuietPeriod, _timeProvider).ConfigureAwait(false);
            if (_saveGenerations.TryGetValue(path, out var latest) && latest != generation)
            {
                return;
            }

            var after = Stamp(path);
            if (after == before)
            {
                break;
            }

            before = after;
        }

        await ReloadAsync(serverId, path).ConfigureAwait(false);
    }

    private static (long Length, DateTime Written)? Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.Length, file.LastWriteTimeUtc) : null;
    }

    private sealed record AppliedPolicy(ServedPolicy Served);
}

/// <summary>A server's compiled policy and the stored version it came from.</summary>
/// <param name="Policy">The compiled policy.</param>
/// <param name="Version">Its version number in the policy store.</param>
public sealed record ServedPolicy(CompiledPolicy Policy, int Version);
