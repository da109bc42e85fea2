using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Portcullis.Gateway.Configuration;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// The policy in force for each server. Policy files are watched: a valid save replaces the
/// policy atomically for the next request; an invalid one is logged and ignored, so the last
/// good version keeps serving.
/// </summary>
public sealed class PolicyRegistry : IDisposable
{
    private readonly ConcurrentDictionary<string, ServerPolicy> _policies = new(StringComparer.Ordinal);
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ILogger _logger;

    /// <summary>Loads every server's policy; configuration validation has already checked them.</summary>
    public PolicyRegistry(IEnumerable<UpstreamServerConfig> servers, ILogger<PolicyRegistry> logger)
    {
        _logger = logger;
        foreach (var server in servers)
        {
            var text = server.PolicyText ?? File.ReadAllText(server.PolicyPath!);
            var result = PolicyParser.Parse(text, server.PolicyPath is null ? PolicyFormat.Json : PolicyParser.FormatOf(server.PolicyPath));
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"Policy for server '{server.Id}' is invalid: {string.Join("; ", result.Errors)}");
            }

            _policies[server.Id] = new ServerPolicy(result.Policy, 1, text);
            if (server.PolicyPath is { } path)
            {
                Log.PolicyLoaded(logger, server.Id, path, 1);
                Watch(server.Id, path);
            }
        }
    }

    /// <summary>The policy now in force for a server.</summary>
    public CompiledPolicy? For(string serverId) => _policies.TryGetValue(serverId, out var policy) ? policy.Policy : null;

    /// <summary>How many versions of a server's policy have been applied (1 at start).</summary>
    public int VersionOf(string serverId) => _policies.TryGetValue(serverId, out var policy) ? policy.Version : 0;

    /// <summary>Re-reads a server's policy file now; returns whether a new version was applied.</summary>
    public bool Reload(string serverId, string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.PolicyUnreadable(_logger, serverId, path, e.Message);
            return false;
        }

        if (_policies.TryGetValue(serverId, out var current) && current.Text == text)
        {
            return false;
        }

        var result = PolicyParser.Parse(text, PolicyParser.FormatOf(path));
        if (!result.Succeeded)
        {
            Log.PolicyRejected(_logger, serverId, path, string.Join(Environment.NewLine, result.Errors));
            return false;
        }

        var updated = _policies.AddOrUpdate(serverId, _ => new ServerPolicy(result.Policy, 1, text), (_, old) => new ServerPolicy(result.Policy, old.Version + 1, text));
        Log.PolicyLoaded(_logger, serverId, path, updated.Version);
        return true;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Dispose();
        }
    }

    private void Watch(string serverId, string path)
    {
        var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        // Editors save by writing in place or by renaming a temporary file over the original.
        FileSystemEventHandler onChange = (_, _) => ReloadWhenStable(serverId, path);
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Renamed += (_, _) => ReloadWhenStable(serverId, path);
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void ReloadWhenStable(string serverId, string path)
    {
        // A save raises several events and may be caught half-written: unchanged text is skipped,
        // and a half-written file fails validation and is retried on the next event.
        lock (_watchers)
        {
            Reload(serverId, path);
        }
    }

    private sealed record ServerPolicy(CompiledPolicy Policy, int Version, string Text);
}
