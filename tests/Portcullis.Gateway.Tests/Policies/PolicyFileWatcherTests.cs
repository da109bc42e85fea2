using System.Collections.Concurrent;
using System.Text;
using Portcullis.Gateway.Policies;

namespace Portcullis.Gateway.Tests.Policies;

/// <summary>How a watched file is read only once it has settled after a save.</summary>
public sealed class PolicyFileWatcherTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-watch-").FullName;
    private readonly ConcurrentQueue<string> _read = new();

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Watch_FileWrittenPieceByPieceFasterThanTheQuietPeriod_IsReadOnceWhole()
    {
        var path = await CreateAsync("a.json", "{}");
        using var watcher = new PolicyFileWatcher(TimeProvider.System);
        watcher.Watch(path, () => ReadAsync(path));

        await using (var file = new FileStream(path, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite))
        {
            foreach (var piece in new[] { "{\"version\": ", "\"1\", ", "\"default\": ", "\"deny\"}" })
            {
                await file.WriteAsync(Encoding.UTF8.GetBytes(piece), Cancel);
                await file.FlushAsync(Cancel);
                await Task.Delay(PolicyFileWatcher.QuietPeriod / 4, Cancel);
            }
        }

        await WaitForReadsAsync(1);
        await Task.Delay(PolicyFileWatcher.QuietPeriod * 3, Cancel);

        Assert.Equal(["{\"version\": \"1\", \"default\": \"deny\"}"], _read);
    }

    [Fact]
    public async Task Watch_FileReplacedByARename_IsRead()
    {
        var path = await CreateAsync("b.yaml", "version: '1'");
        using var watcher = new PolicyFileWatcher(TimeProvider.System);
        watcher.Watch(path, () => ReadAsync(path));

        var temporary = await CreateAsync(".b.yaml.tmp", "version: '1'\ndefault: deny\n");
        File.Move(temporary, path, overwrite: true);

        await WaitForReadsAsync(1);
        Assert.Equal("version: '1'\ndefault: deny\n", _read.Last());
    }

    [Fact]
    public async Task Dispose_StopsCallingBack()
    {
        var path = await CreateAsync("c.json", "{}");
        var watcher = new PolicyFileWatcher(TimeProvider.System);
        watcher.Watch(path, () => ReadAsync(path));
        watcher.Dispose();

        await File.WriteAllTextAsync(path, "{\"version\": \"1\"}", Cancel);
        await Task.Delay(PolicyFileWatcher.QuietPeriod * 3, Cancel);

        Assert.Empty(_read);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private async Task<string> CreateAsync(string name, string text)
    {
        var path = Path.Combine(_directory, name);
        await File.WriteAllTextAsync(path, text, Cancel);
        return path;
    }

    private async Task ReadAsync(string path) => _read.Enqueue(await File.ReadAllTextAsync(path, Cancel));

    private async Task WaitForReadsAsync(int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (_read.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Cancel);
        }

        Assert.True(_read.Count >= count, $"The watcher called back {_read.Count} time(s), not {count}.");
    }
}
