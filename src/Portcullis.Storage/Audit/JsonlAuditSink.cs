using System.Globalization;
using System.Text;

namespace Portcullis.Storage.Audit;

/// <summary>
/// Audit records as JSON Lines in a directory, for shipping to a SIEM: one canonical record per
/// line in <c>audit.jsonl</c>, flushed to disk per batch. When the file passes
/// <c>maxBytes</c> it is renamed to <c>audit-&lt;UTC time&gt;.jsonl</c> and a new one is started.
/// </summary>
public sealed class JsonlAuditSink : IAuditSink, IDisposable
{
    /// <summary>The name of the file being written.</summary>
    public const string CurrentFileName = "audit.jsonl";

    private readonly string _directory;
    private readonly long _maxBytes;
    private readonly TimeProvider _timeProvider;
    private readonly SemaphoreSlim _lock = new(1, 1);

    /// <summary>Writes into <paramref name="directory"/> (created if needed), rotating files at <paramref name="maxBytes"/>.</summary>
    public JsonlAuditSink(string directory, long maxBytes, TimeProvider timeProvider)
    {
        _directory = Path.GetFullPath(directory);
        _maxBytes = maxBytes;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public string Name => "jsonl";

    /// <summary>The file being written.</summary>
    public string CurrentPath => Path.Combine(_directory, CurrentFileName);

    /// <inheritdoc />
    public async ValueTask WriteAsync(IReadOnlyList<AuditRecord> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var text = new StringBuilder();
        foreach (var record in records)
        {
            text.Append(AuditCanonicalForm.Serialize(record)).Append('\n');
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Directory.CreateDirectory(_directory);
            RotateIfFull();
            var file = new FileStream(CurrentPath, FileMode.Append, FileAccess.Write, FileShare.Read, 64 * 1024, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                await file.WriteAsync(Encoding.UTF8.GetBytes(text.ToString()), cancellationToken).ConfigureAwait(false);
                file.Flush(flushToDisk: true);
            }
        }
        catch (IOException e)
        {
            throw new StoreUnavailableException($"The audit file {CurrentPath} cannot be written: {e.Message}", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreUnavailableException($"The audit file {CurrentPath} cannot be written: {e.Message}", e);
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => _lock.Dispose();

    /// <summary>The files of <paramref name="directory"/> in the order they were written: rotated ones by name, then the current one.</summary>
    public static IReadOnlyList<string> FilesIn(string directory)
    {
        var rotated = Directory.GetFiles(directory, "audit-*.jsonl").Order(StringComparer.Ordinal).ToList();
        var current = Path.Combine(directory, CurrentFileName);
        if (File.Exists(current))
        {
            rotated.Add(current);
        }

        return rotated;
    }

    /// <summary>
    /// Reads records from JSON Lines files (or every file of a directory), in order. A last line of
    /// the newest file that is not a record, or of an older file that does not end its last line,
    /// is marked <see cref="StoredAuditRecord.TornTail"/>: a crash while a batch was being appended
    /// leaves exactly that, and the sink moves such a file aside before it writes again. Anywhere
    /// else an unreadable line is tampering.
    /// </summary>
    public static IEnumerable<StoredAuditRecord> Read(string path)
    {
        var files = Directory.Exists(path) ? FilesIn(path) : [path];
        for (var i = 0; i < files.Count; i++)
        {
            var file = files[i];
            var lineNumber = 0;
            (string Text, int Number)? previous = null;
            foreach (var line in File.ReadLines(file))
            {
                lineNumber++;
                if (line.Length == 0)
                {
                    continue;
                }

                if (previous is { } before)
                {
                    yield return ReadLine(before.Text, $"{file}:{before.Number}", mayBeTorn: false);
                }

                previous = (line, lineNumber);
            }

            if (previous is { } last)
            {
                yield return ReadLine(last.Text, $"{file}:{last.Number}", mayBeTorn: i == files.Count - 1 || !EndsWithNewLine(file));
            }
        }
    }

    private static StoredAuditRecord ReadLine(string line, string location, bool mayBeTorn)
    {
        try
        {
            return new StoredAuditRecord(AuditCanonicalForm.Parse(line), null, location);
        }
        catch (FormatException e)
        {
            return new StoredAuditRecord(new AuditRecord { Chain = "?", Hash = "?" },
                (mayBeTorn ? "the last line is not a complete audit record: " : "the line is not an audit record: ") + e.Message, location)
            {
                Unreadable = true,
                TornTail = mayBeTorn,
            };
        }
    }

    private static bool EndsWithNewLine(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (stream.Length == 0)
        {
            return true;
        }

        stream.Seek(-1, SeekOrigin.End);
        return stream.ReadByte() == '\n';
    }

    /// <summary>Moves the current file aside when it is full, or when its last line is torn (appending to it would glue the next record onto the fragment).</summary>
    private void RotateIfFull()
    {
        var current = new FileInfo(CurrentPath);
        if (!current.Exists || (current.Length < _maxBytes && EndsWithNewLine(current.FullName)))
        {
            return;
        }

        var stamp = _timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmssfff", CultureInfo.InvariantCulture);
        var target = Path.Combine(_directory, $"audit-{stamp}.jsonl");
        for (var i = 1; File.Exists(target); i++)
        {
            target = Path.Combine(_directory, $"audit-{stamp}-{i}.jsonl");
        }

        File.Move(CurrentPath, target);
    }
}
