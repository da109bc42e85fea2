using StackExchange.Redis;

namespace Portcullis.Storage.Redis;

/// <summary>
/// One multiplexed connection to Redis, shared by the Redis stores of a gateway. Commands fail
/// fast while Redis is unreachable (no queueing behind a dead link) and time out after the given
/// bound, so a hung Redis never hangs a request; the connection re-establishes itself.
/// </summary>
public sealed class RedisConnection : IAsyncDisposable
{
    private RedisConnection(IConnectionMultiplexer multiplexer) => Multiplexer = multiplexer;

    /// <summary>The underlying multiplexer.</summary>
    public IConnectionMultiplexer Multiplexer { get; }

    /// <summary>The database the stores use.</summary>
    public IDatabase Database => Multiplexer.GetDatabase();

    /// <summary>
    /// Connects to <paramref name="configuration"/>: <c>redis://[:password@]host:port[/db]</c>,
    /// <c>rediss://…</c> for TLS, or a StackExchange.Redis configuration string. Does not fail
    /// when Redis is down at start-up: it keeps trying in the background.
    /// </summary>
    public static async Task<RedisConnection> ConnectAsync(string configuration, TimeSpan commandTimeout)
    {
        var options = Parse(configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = (int)Math.Max(1000, commandTimeout.TotalMilliseconds * 4);
        options.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
        options.AsyncTimeout = (int)commandTimeout.TotalMilliseconds;
        options.ReconnectRetryPolicy = new ExponentialRetry(250, 5000);
        options.ClientName = "portcullis";
        return new RedisConnection(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false));
    }

    /// <summary>Whether <paramref name="configuration"/> can be read as a Redis address; the message says what is wrong when not.</summary>
    public static bool TryValidate(string configuration, out string? problem)
    {
        try
        {
            var options = Parse(configuration);
            problem = options.EndPoints.Count == 0 ? "it names no host" : null;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or UriFormatException)
        {
            problem = e.Message;
        }

        return problem is null;
    }

    /// <summary>Runs a Redis command, reporting an unreachable or slow Redis as an unavailable store.</summary>
    public static async Task<T> GuardAsync<T>(Task<T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        try
        {
            return await operation.ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException($"Redis is unavailable: {e.Message}", e);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await Multiplexer.DisposeAsync().ConfigureAwait(false);

    private static ConfigurationOptions Parse(string configuration)
    {
        if (!configuration.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && !configuration.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase))
        {
            return ConfigurationOptions.Parse(configuration);
        }

        var uri = new Uri(configuration);
        var options = new ConfigurationOptions { Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase) };
        options.EndPoints.Add(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                options.User = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
                options.Password = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                options.Password = Uri.UnescapeDataString(parts[0]);
            }
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            options.DefaultDatabase = int.Parse(path, System.Globalization.CultureInfo.InvariantCulture);
        }

        return options;
    }
}
