using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>store</c> and <c>fail_mode</c> settings.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_storeKeys = ["redis", "postgres"];

    private sealed partial class Reader
    {
        private const string StoreHint =
            "Use \"memory\", \"sqlite:PATH\" or {\"redis\": \"redis://127.0.0.1:6379\", \"postgres\": \"postgres://user@127.0.0.1:5432/portcullis\"}.";

        /// <summary><c>"memory"</c>, <c>"sqlite:PATH"</c> (relative to the configuration file) or <c>{"redis", "postgres"}</c>.</summary>
        private StoreConfig Store(SourceNode node)
        {
            if (node.Kind == SourceNodeKind.Object)
            {
                return DistributedStore(node);
            }

            if (String(node, "/store") is not { } text)
            {
                return StoreConfig.Memory;
            }

            if (text == "memory")
            {
                return StoreConfig.Memory;
            }

            if (text.StartsWith("sqlite:", StringComparison.Ordinal) && text.Length > "sqlite:".Length)
            {
                return StoreConfig.Sqlite(Path.Combine(baseDirectory, text["sqlite:".Length..]));
            }

            Error("/store", node, $"'{text}' is not a store. {StoreHint}");
            return StoreConfig.Memory;
        }

        private FailMode FailMode(SourceNode node)
        {
            switch (String(node, "/fail_mode"))
            {
                case "closed":
                    return Configuration.FailMode.Closed;
                case "open":
                    return Configuration.FailMode.Open;
                case { } other:
                    Error("/fail_mode", node, $"'{other}' is not a fail mode; use \"closed\" (deny limited calls while the counter store is down) or \"open\".");
                    break;
            }

            return Configuration.FailMode.Closed;
        }

        private StoreConfig DistributedStore(SourceNode node)
        {
            var keys = Keys(node, "/store", s_storeKeys);
            string? redis = null;
            string? postgres = null;
            if (!keys.TryGetValue("redis", out var redisNode))
            {
                Error("/store", node, "The distributed store needs 'redis' (counters, sessions, change messages). " + StoreHint);
            }
            else if (Secret(redisNode.Value, "/store/redis", required: true) is { } redisText)
            {
                if (StoreAddressChecks.TryValidateRedis(redisText, out var problem))
                {
                    redis = redisText;
                }
                else
                {
                    Error("/store/redis", redisNode.Value, $"Not a Redis address: {problem}. Use redis://[:password@]host:port[/db].");
                }
            }

            if (!keys.TryGetValue("postgres", out var postgresNode))
            {
                Error("/store", node, "The distributed store needs 'postgres' (grants, policy versions). " + StoreHint);
            }
            else if (Secret(postgresNode.Value, "/store/postgres", required: true) is { } postgresText)
            {
                if (StoreAddressChecks.TryValidatePostgres(postgresText, out var problem))
                {
                    postgres = postgresText;
                }
                else
                {
                    Error("/store/postgres", postgresNode.Value, $"Not a PostgreSQL connection string: {problem}. Use postgres://user:password@host:port/database.");
                }
            }

            return new StoreConfig { RedisUrl = redis, PostgresUrl = postgres };
        }
    }
}
