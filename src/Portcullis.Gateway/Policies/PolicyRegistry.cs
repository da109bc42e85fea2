using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage;
using Portcullis.Storage.Events;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// Keeps the policy in force for each server at the newest version in the policy store. A server's
/// policy file (or inline text) is an input: when its content differs from the last version imported
/// from it, at start-up or when the watched file is saved, it becomes a new version. A version saved
/// by another instance or the CLI is picked up by <see cref="RefreshAsync"/>. Invalid text is logged
/// and ignored, so the last good version keeps serving.
/// </summary>
internal sealed class PolicyRegistry : IDisposable
{
    private const string Actor = "gateway";

    private readonly UpstreamServerConfig[] _servers;
    private readonly IPolicyStore _store;
    private readonly PolicyPublisher _publisher;
    private readonly ServedPolicies _served;
    private readonly PolicyFileWatcher _watcher;
    private readonly PolicyToolNameCheck? _toolNames;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly InvalidPolicyFile _onInvalidFile;

    /// <summary>Creates the registry; <see cref="InitializeAsync"/> loads the policies.</summary>
    /// <param name="knownTools">
    /// The tool names a server is known to list (none when nothing was seen yet): each version put in
    /// force is checked against them, and rules or hides that name no listed tool are logged.
    /// </param>
    public PolicyRegistry(IEnumerable<UpstreamServerConfig> servers, IPolicyStore store, IChangeFeed changes, AuditLog? audit, TimeProvider timeProvider,
        ILogger<PolicyRegistry> logger, InvalidPolicyFile onInvalidFile = InvalidPolicyFile.Refuse,
        Func<string, CancellationToken, ValueTask<IReadOnlyCollection<string>>>? knownTools = null)
    {
        _onInvalidFile = onInvalidFile;
        _servers = [.. servers];
        _store = store;
        _publisher = new PolicyPublisher(store, changes, audit);
        _served = new ServedPolicies(logger);
        _watcher = new PolicyFileWatcher(timeProvider);
        _toolNames = knownTools is null ? null : new PolicyToolNameCheck(knownTools, logger);
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>The policy now in force for a server.</summary>
    public CompiledPolicy? For(string serverId) => _served.Current(serverId)?.Policy;

    /// <summary>The policy now in force for a server, with its version.</summary>
    public ServedPolicy? Current(string serverId) => _served.Current(serverId);

    /// <summary>The stored version number of the policy in force for a server (0 when none is loaded).</summary>
    public int VersionOf(string serverId) => _served.VersionOf(serverId);

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
            var format = server.PolicyPath is null ? PolicyFormats.Name(PolicyFormat.Json) : PolicyFormats.NameOfFile(server.PolicyPath);
            // The configuration loader parsed the file already; its result serves while the file still has the text it read.
            var parsed = server.PolicyFile is { } loaded && loaded.Text == text ? loaded.Parsed : null;
            var imported = await _publisher.ImportAsync(new NewPolicyVersion(server.Id, text, format, source, comment, _timeProvider.GetUtcNow()), Actor,
                parsed, cancellationToken).ConfigureAwait(false);
            var fileInvalid = false;
            if (imported is { Saved: null } rejected)
            {
                if (!await ServeStoredInsteadAsync(server, rejected.Errors, cancellationToken).ConfigureAwait(false))
                {
                    throw new InvalidOperationException($"Policy for server '{server.Id}' is invalid: {string.Join("; ", rejected.Errors)}");
                }

                fileInvalid = true;
            }

            var saved = imported?.Saved;
            var latest = await _store.LatestAsync(server.Id, cancellationToken: cancellationToken).ConfigureAwait(false);
            var justSaved = saved is not null && saved.Version == latest?.Version ? imported!.Policy : null;
            if (latest is null || !_served.Apply(latest, justSaved))
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
                var serverId = server.Id;
                _watcher.Watch(watched, () => ReloadWatchedAsync(serverId, watched));
            }
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
                && _served.Apply(stored))
            {
                await CheckToolNamesAsync(server.Id, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Validates <paramref name="policy"/>, saves it as the server's next version on behalf of
    /// <paramref name="actor"/> and puts it in force in this instance at once; other instances apply
    /// it from the change feed or at their next poll. Invalid text is not saved; its errors are returned.
    /// </summary>
    /// <param name="parsed">The result of parsing <paramref name="policy"/>'s text already, so it is not parsed again; null to parse it here.</param>
    public async Task<PolicySaveResult> PublishAsync(NewPolicyVersion policy, string actor, PolicyParseResult? parsed = null, CancellationToken cancellationToken = default)
    {
        var result = await _publisher.SaveAsync(policy, actor, parsed, cancellationToken).ConfigureAwait(false);
        if (result is { Saved: { } saved, Policy: { } compiled } && _served.Apply(saved, compiled))
        {
            // Saved and in force: the caller going away no longer cancels what follows.
            await CheckToolNamesAsync(policy.ServerId, CancellationToken.None).ConfigureAwait(false);
        }

        return result;
    }

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

            var imported = await _publisher.ImportAsync(new NewPolicyVersion(serverId, text, PolicyFormats.NameOfFile(path), "file", path, _timeProvider.GetUtcNow()),
                Actor, parsed: null, cancellationToken).ConfigureAwait(false);
            if (imported is null)
            {
                return false;
            }

            if (imported.Saved is null)
            {
                Log.PolicyRejected(_logger, serverId, path, string.Join(Environment.NewLine, imported.Errors));
                return false;
            }

            if (!_served.Apply(imported.Saved, imported.Policy))
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
        _watcher.Dispose();
        _fileLock.Dispose();
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

    private Task CheckToolNamesAsync(string serverId, CancellationToken cancellationToken) =>
        _toolNames is not null && _served.Current(serverId) is { } served ? _toolNames.CheckAsync(serverId, served, cancellationToken) : Task.CompletedTask;

    /// <summary>Imports a watched file once it has settled after a save.</summary>
    private async Task ReloadWatchedAsync(string serverId, string path)
    {
        try
        {
            await ReloadAsync(serverId, path).ConfigureAwait(false);
        }
        catch (StoreUnavailableException e)
        {
            Log.PolicyUnreadable(_logger, serverId, path, "the policy store is unavailable: " + e.Message);
        }
    }
}
