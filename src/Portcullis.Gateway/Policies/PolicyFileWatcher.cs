using System.Collections.Concurrent;

namespace Portcullis.Gateway.Policies;

/// <summary>
/// Watches policy files and calls back once a saved file has settled. Editors save by writing in
/// place or by renaming a temporary file over the original, and a shell's <c>cat &gt; file</c>
/// truncates first and writes later: one save raises several events, and a file read at the first
/// of them may be empty or half written. So each event starts a wait, a newer event on the same
/// file takes over from it, and the callback runs only once the file stayed quiet.
/// </summary>
internal sealed class PolicyFileWatcher(TimeProvider timeProvider) : IDisposable
{
    /// <summary>How long a watched file must stay unchanged (no event, same size and time) before it is read.</summary>
    internal static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(200);

    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly ConcurrentDictionary<string, long> _saveGenerations = new(StringComparer.Ordinal);

    /// <summary>
    /// Calls <paramref name="onSettled"/> in the background after each save of <paramref name="path"/>
    /// once the file has settled. It runs once per burst of events; a failure of it is its own to report,
    /// except <see cref="ObjectDisposedException"/>, which means the watcher's owner is stopping.
    /// </summary>
    public void Watch(string path, Func<Task> onSettled)
    {
        ArgumentNullException.ThrowIfNull(onSettled);
        var watcher = new FileSystemWatcher(Path.GetDirectoryName(path)!, Path.GetFileName(path))
        {
            NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.CreationTime,
        };
        FileSystemEventHandler onChange = (_, _) => WaitInBackground(path, onSettled);
        watcher.Changed += onChange;
        watcher.Created += onChange;
        watcher.Renamed += (_, _) => WaitInBackground(path, onSettled);
        watcher.EnableRaisingEvents = true;
        lock (_watchers)
        {
            _watchers.Add(watcher);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_watchers)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Dispose();
            }

            _watchers.Clear();
        }
    }

    private void WaitInBackground(string path, Func<Task> onSettled)
    {
        var generation = _saveGenerations.AddOrUpdate(path, 1, (_, old) => old + 1);
        _ = Task.Run(async () =>
        {
            try
            {
                if (await SettledAsync(path, generation).ConfigureAwait(false))
                {
                    await onSettled().ConfigureAwait(false);
                }
            }
            catch (ObjectDisposedException)
            {
                // The owner is stopping.
            }
        });
    }

    /// <summary>
    /// True once no newer event arrived for <see cref="QuietPeriod"/> and the file's size and write
    /// time are the same across two looks that far apart; false when a newer event took over the wait.
    /// </summary>
    private async Task<bool> SettledAsync(string path, long generation)
    {
        var before = Stamp(path);
        while (true)
        {
            await Task.Delay(QuietPeriod, timeProvider).ConfigureAwait(false);
            if (_saveGenerations.TryGetValue(path, out var latest) && latest != generation)
            {
                return false;
            }

            var after = Stamp(path);
            if (after == before)
            {
                return true;
            }

            before = after;
        }
    }

    private static (long Length, DateTime Written)? Stamp(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? (file.Length, file.LastWriteTimeUtc) : null;
    }
}
