[assembly: AssemblyFixture(typeof(Portcullis.TestServers.RedisServer))]
[assembly: AssemblyFixture(typeof(Portcullis.TestServers.PostgresServer))]
