namespace Portcullis.Gateway.Configuration;

/// <summary>
/// The checks the configuration reader runs on the distributed store's addresses. Each backend owns
/// its address syntax and the gateway references no backend, so the application that chooses the
/// backends installs their checks with <see cref="Install"/> before it reads a configuration. Until
/// then every Redis or PostgreSQL address is refused, naming the missing check.
/// </summary>
internal static class StoreAddressChecks
{
    /// <summary>Whether <paramref name="address"/> can be read; <paramref name="problem"/> says what is wrong when not.</summary>
    public delegate bool Check(string address, out string? problem);

    private static Check s_redis = Missing("Redis");
    private static Check s_postgres = Missing("PostgreSQL");

    /// <summary>Uses <paramref name="redis"/> and <paramref name="postgres"/> for every configuration read from now on.</summary>
    public static void Install(Check redis, Check postgres)
    {
        ArgumentNullException.ThrowIfNull(redis);
        ArgumentNullException.ThrowIfNull(postgres);
        Volatile.Write(ref s_redis, redis);
        Volatile.Write(ref s_postgres, postgres);
    }

    /// <summary>Whether <paramref name="address"/> can be read as a Redis address.</summary>
    public static bool TryValidateRedis(string address, out string? problem) => Volatile.Read(ref s_redis)(address, out problem);

    /// <summary>Whether <paramref name="address"/> can be read as a PostgreSQL connection string.</summary>
    public static bool TryValidatePostgres(string address, out string? problem) => Volatile.Read(ref s_postgres)(address, out problem);

    private static Check Missing(string backend) => (string _, out string? problem) =>
    {
        problem = $"no {backend} backend is installed in this program to check it";
        return false;
    };
}
