namespace Portcullis.Storage.Sqlite;

/// <summary>
/// Which process may decide a SQLite file's fixed-window counters in its memory: the one holding
/// an exclusive lock on the file beside it, <c>PATH-counters.lock</c> (an advisory <c>flock</c>,
/// which the system releases when the process ends, however it ends). Every other process holds
/// the lock shared and reserves in the file. A process that finds the lock held exclusively leaves
/// a request beside it, <c>PATH-counters.handover</c>, which the holder looks for several times a
/// second.
/// </summary>
internal sealed class SqliteCounterLock(string databasePath) : IDisposable
{
    private readonly string _lockPath = databasePath + "-counters.lock";
    private readonly string _requestPath = databasePath + "-counters.handover";
    private FileStream? _held;

    /// <summary>Why the lock file could not be opened, when it could not.</summary>
    public Exception? LastError { get; private set; }

    /// <summary>Takes the lock exclusively, if nobody holds it.</summary>
    public LockAttempt TryTakeExclusive() => TryTake(FileAccess.ReadWrite, FileShare.None);

    /// <summary>Takes the lock shared, if nobody holds it exclusively.</summary>
    public LockAttempt TryTakeShared() => TryTake(FileAccess.Read, FileShare.ReadWrite);

    /// <summary>
    /// Whether the exclusive lock just taken excludes anyone: false where .NET's file locking is
    /// switched off (<c>DOTNET_SYSTEM_IO_DISABLEFILELOCKING</c>), when a second exclusive open succeeds.
    /// </summary>
    public bool IsEnforced()
    {
        try
        {
            using var second = new FileStream(_lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    /// <summary>Lets go of the lock, whichever way it was held.</summary>
    public void Release()
    {
        _held?.Dispose();
        _held = null;
    }

    /// <summary>Whether a process waits for the exclusive holder to hand over.</summary>
    public bool HandoverRequested => File.Exists(_requestPath);

    /// <summary>Asks the exclusive holder to hand over.</summary>
    public void RequestHandover()
    {
        try
        {
            using var request = new FileStream(_requestPath, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Unwritable beside the file: the holder cannot be asked, and the wait ends in an unavailable store (closed).
        }
    }

    /// <summary>Removes a request once it has been answered (a process still waiting leaves it again).</summary>
    public void ClearRequest()
    {
        try
        {
            File.Delete(_requestPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left in place, it makes the next exclusive holder hand over too: slower, never wrong.
        }
    }

    public void Dispose() => Release();

    private LockAttempt TryTake(FileAccess access, FileShare share)
    {
        Release();
        try
        {
            // .NET takes FileShare.None as flock(LOCK_EX | LOCK_NB) and a read-only share as flock(LOCK_SH | LOCK_NB).
            _held = new FileStream(_lockPath, FileMode.OpenOrCreate, access, share);
            return LockAttempt.Taken;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or DirectoryNotFoundException)
        {
            LastError = e;
            return LockAttempt.Unusable;
        }
        catch (IOException)
        {
            return LockAttempt.HeldElsewhere;
        }
    }
}
