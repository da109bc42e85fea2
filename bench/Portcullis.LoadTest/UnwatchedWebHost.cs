namespace Portcullis.LoadTest;

/// <summary>
/// The web host of the load test's own servers (the echo upstream, the bare forwarder). By default
/// a host watches its working directory, recursively, for configuration files; the gateways' SQLite
/// files live below that directory here, so each of their writes would wake these processes and
/// be charged to the upstream or forwarder's CPU per call, and the file's writes would pay for the
/// notifications.
/// </summary>
internal static class UnwatchedWebHost
{
    public static WebApplicationBuilder CreateBuilder() =>
        WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
}
