using System.Diagnostics;
using Xunit;

namespace Portcullis.TestServers;

/// <summary>
/// A real redis-server (Debian's redis-server package) on a free loopback port, with no
/// persistence; it can be stopped and started again on the same port to test outages.
/// Shared by a test assembly: tests use their own keys.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    /// <summary>Why Redis could not be started, or null when it runs.</summary>
    public string? Problem { get; private set; }

    /// <summary>The port it listens on.</summary>
    public int Port { get; } = ExternalComponent.FreePort();

    /// <summary>Its address in the gateway's configuration form.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    /// <summary>Skips (or in CI fails) the test when Redis is not available.</summary>
    public void Require() => ExternalComponent.Require(Problem);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        if (ExternalComponent.Find("redis-server", "/usr/bin/redis-server") is null)
        {
            Problem = "redis-server is not installed (apt-get install redis-server).";
            return;
        }

        try
        {
            await StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException)
        {
            Problem = "redis-server did not start: " + e.Message;
        }
    }

    /// <summary>Starts (again) on <see cref="Port"/>.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(ExternalComponent.Find("redis-server", "/usr/bin/redis-server")!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ExternalComponent.WaitForPortAsync(Port, TimeSpan.FromSeconds(20), _process);
    }

    /// <summary>Kills the server (its data is lost, as with a crash).</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync();
}
