using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Xunit;

namespace Portcullis.TestServers;

/// <summary>
/// A real PostgreSQL server (Debian's postgresql package) in a temporary data directory on a free
/// loopback port. initdb and postgres refuse to run as root, so as root they run as the
/// <c>postgres</c> user. Each test asks for its own database.
/// </summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string? _binDirectory;
    private string? _dataDirectory;
    private int _databases;

    /// <summary>Why PostgreSQL could not be started, or null when it runs.</summary>
    public string? Problem { get; private set; }

    /// <summary>The port it listens on.</summary>
    public int Port { get; } = ExternalComponent.FreePort();

    /// <summary>Skips (or in CI fails) the test when PostgreSQL is not available.</summary>
    public void Require() => ExternalComponent.Require(Problem);

    /// <inheritdoc />
    public async ValueTask InitializeAsync()
    {
        _binDirectory = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (_binDirectory is null)
        {
            Problem = "PostgreSQL is not installed (apt-get install postgresql).";
            return;
        }

        try
        {
            _dataDirectory = Directory.CreateTempSubdirectory("portcullis-pg-").FullName;
            if (Environment.UserName == "root")
            {
                await ExternalComponent.RunAsync("chown", "postgres:postgres", _dataDirectory);
            }

            await RunAsPostgresAsync(Path.Combine(_binDirectory, "initdb"), "-D", Path.Combine(_dataDirectory, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8");
            await StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException or NpgsqlException)
        {
            Problem = "PostgreSQL did not start: " + e.Message;
        }
    }

    /// <summary>Starts (again) on <see cref="Port"/> and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        var options = $"-p {Port.ToString(CultureInfo.InvariantCulture)} -k {_dataDirectory} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200";
        await RunAsPostgresAsync(Path.Combine(_binDirectory!, "pg_ctl"), "-D", Path.Combine(_dataDirectory!, "data"), "-o", options, "-l",
            Path.Combine(_dataDirectory!, "server.log"), "-w", "-t", "60", "start");
    }

    /// <summary>Stops the server at once, as a crash would.</summary>
    public async Task StopAsync() =>
        await RunAsPostgresAsync(Path.Combine(_binDirectory!, "pg_ctl"), "-D", Path.Combine(_dataDirectory!, "data"), "-m", "immediate", "-w", "stop");

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "test_" + Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture) + "_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using (var connection = new NpgsqlConnection(ConnectionString("postgres")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }

        return ConnectionString(name);
    }

    /// <summary>The connection string of a database on this server.</summary>
    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Problem is null && _dataDirectory is not null)
        {
            NpgsqlConnection.ClearAllPools();
            try
            {
                await StopAsync();
            }
            catch (InvalidOperationException)
            {
                // Already stopped by a test.
            }

            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static Task<string> RunAsPostgresAsync(string program, params string[] arguments) =>
        Environment.UserName == "root"
            ? ExternalComponent.RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments])
            : ExternalComponent.RunAsync(program, arguments);
}
