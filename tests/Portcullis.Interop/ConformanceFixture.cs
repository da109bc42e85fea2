namespace Portcullis.Interop;

/// <summary>
/// The conformance suite's server scenarios run once per test run against server-everything,
/// first directly, then through the gateway under a policy that allows every tool, with a grant's
/// token. The runs start with the first test that asks for them, after it has checked that the
/// suite is installed.
/// </summary>
public sealed class ConformanceFixture(ServerEverythingFixture everything)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromMinutes(4);

    private readonly Lazy<Task<(ConformanceRun Direct, ConformanceRun Gateway)>> _runs = new(async () =>
    {
        // One after the other: both go to the same server-everything, on a machine with two cores.
        var direct = await ConformanceSuite.RunAsync(everything.DirectUrl, bearerToken: null, s_timeout);
        var gateway = await ConformanceSuite.RunAsync(everything.OpenGatewayUrl, everything.NewGrant(), s_timeout);
        return (direct, gateway);
    });

    internal Task<(ConformanceRun Direct, ConformanceRun Gateway)> RunsAsync() => _runs.Value;
}
