using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace Portcullis.LoadTest;

/// <summary>
/// A process under measurement (upstream, gateway, peer proxy): started with its output in a log
/// file, awaited until its port answers, read for CPU time and memory from <c>/proc</c> (its own,
/// and its children's where it runs its upstream as child processes), killed at the end.
/// </summary>
internal sealed class TargetProcess : IDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private TargetProcess(Process process, StreamWriter log, string logPath)
    {
        _process = process;
        _log = log;
        LogPath = logPath;
    }

    public string LogPath { get; }

    public int Id => _process.Id;

    /// <summary>Clock ticks per second of the times in <c>/proc/PID/stat</c> (USER_HZ, 100 on Linux whatever the kernel's own tick).</summary>
    private const double ClockTicksPerSecond = 100;

    public static TargetProcess Start(string fileName, IEnumerable<string> arguments, string workingDirectory, string logPath,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new TargetProcess(process, log, logPath);
    }

    /// <summary>Waits until <paramref name="port"/> accepts connections, failing if the process exits first.</summary>
    public async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{_process.StartInfo.FileName} exited with {_process.ExitCode} before listening; see {LogPath}.");
            }

            try
            {
                using var socket = new TcpClient();
                await socket.ConnectAsync("127.0.0.1", port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(20);
            }
        }

        throw new TimeoutException($"{_process.StartInfo.FileName} did not listen on port {port} within {timeout.TotalSeconds} s; see {LogPath}.");
    }

    /// <summary>CPU time the process has used so far, user and system.</summary>
    public TimeSpan CpuTime()
    {
        _process.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>
    /// CPU time, user and system, of every process this one started and theirs in turn: those
    /// still running, and those that have ended and been reaped (counted in their parent's
    /// children's times).
    /// </summary>
    public TimeSpan DescendantsCpuTime()
    {
        var stats = new Dictionary<int, ProcessStat>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && ReadStat(pid) is { } stat)
            {
                stats[pid] = stat;
            }
        }

        var children = stats.ToLookup(entry => entry.Value.ParentId, entry => entry.Key);
        var ticks = stats.TryGetValue(_process.Id, out var own) ? own.ReapedChildrenTicks : 0;
        var pending = new Stack<int>(children[_process.Id]);
        while (pending.TryPop(out var pid))
        {
            ticks += stats[pid].OwnTicks + stats[pid].ReapedChildrenTicks;
            foreach (var child in children[pid])
            {
                pending.Push(child);
            }
        }

        return TimeSpan.FromSeconds(ticks / ClockTicksPerSecond);
    }

    /// <summary>Resident memory now (VmRSS), in bytes.</summary>
    public long ResidentBytes() => ReadStatus("VmRSS:");

    /// <summary>The most resident memory the process has had (VmHWM), in bytes.</summary>
    public long PeakResidentBytes() => ReadStatus("VmHWM:");

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                // Without a timeout this also waits for the output readers, so the log is complete before it closes.
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _log.Dispose();
    }

    private long ReadStatus(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kilobytes = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{_process.Id}/status has no {field}");
    }

    /// <summary>Fields of <c>/proc/PID/stat</c>, or null when the process has gone.</summary>
    private static ProcessStat? ReadStat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may hold spaces; fields from 3 on follow the last ')'.
        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        long Field(int number) => long.Parse(fields[number - 3], CultureInfo.InvariantCulture);
        return new ProcessStat((int)Field(4), Field(14) + Field(15), Field(16) + Field(17));
    }

    /// <summary>A process's parent, its own CPU ticks (utime + stime) and those of its reaped children (cutime + cstime).</summary>
    private readonly record struct ProcessStat(int ParentId, long OwnTicks, long ReapedChildrenTicks);

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.WriteLine(line);
        }
    }
}
