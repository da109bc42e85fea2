using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Portcullis.Interop;

/// <summary>
/// The official MCP conformance suite (<c>@modelcontextprotocol/conformance</c>) against
/// server-everything directly and through the gateway: the gateway may not break a scenario the
/// upstream passes, and it guards against DNS rebinding even where the upstream does not.
/// </summary>
[Collection("server-everything")]
public sealed class ConformanceTests(ServerEverythingFixture everything, ConformanceFixture conformance, ITestOutputHelper output)
    : IClassFixture<ConformanceFixture>
{
    private const string DnsRebindingProtection = "dns-rebinding-protection";

    private static readonly JsonSerializerOptions s_details = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Fact]
    public async Task ServerScenarios_ThroughTheGateway_PassWhereverTheyPassDirectly()
    {
        var (direct, gateway) = await RunsAsync();

        var passedDirectly = direct.Scenarios.Where(s => s.Passed).ToList();
        Assert.True(passedDirectly.Count > 0, $"No scenario passed against server-everything directly:\n{direct.Output}");
        var broken = passedDirectly
            .Select(s => gateway.Find(s.Name) ?? new ConformanceScenario(s.Name, [new ConformanceCheck(s.Name, ConformanceCheck.Failure, "Not run", "The suite did not run this scenario through the gateway.", null)]))
            .Where(s => !s.Passed)
            .ToList();
        Assert.True(broken.Count == 0,
            $"{broken.Count} scenario(s) that pass against server-everything directly fail through the gateway:\n{string.Join('\n', broken.Select(Failures))}");
    }

    [Fact]
    public async Task DnsRebindingProtection_ThroughTheGateway_PassesFully()
    {
        var (_, gateway) = await RunsAsync();

        var scenario = gateway.Find(DnsRebindingProtection);
        Assert.NotNull(scenario);
        Assert.True(scenario.Passed && scenario.Checks.All(c => c.Status == ConformanceCheck.Success),
            $"{DnsRebindingProtection} does not pass fully through the gateway:\n{Failures(scenario)}");
    }

    private async Task<(ConformanceRun Direct, ConformanceRun Gateway)> RunsAsync()
    {
        NodeTools.RequireConformanceSuite();
        Assert.True(everything.Available, "server-everything did not start.");
        var runs = await conformance.RunsAsync().WaitAsync(TestContext.Current.CancellationToken);
        output.WriteLine(Table(runs.Direct, runs.Gateway));
        return runs;
    }

    /// <summary>Each scenario's outcome directly and through the gateway, then every check whose outcome differs.</summary>
    private static string Table(ConformanceRun direct, ConformanceRun gateway)
    {
        var names = direct.Scenarios.Select(s => s.Name).Union(gateway.Scenarios.Select(s => s.Name)).ToList();
        var width = names.Max(n => n.Length);
        var table = new StringBuilder();
        table.AppendLine($"{"scenario".PadRight(width)}  {"direct",-9}  gateway");
        foreach (var name in names)
        {
            var directSummary = direct.Find(name)?.Summary ?? "not run";
            var gatewaySummary = gateway.Find(name)?.Summary ?? "not run";
            table.AppendLine($"{name.PadRight(width)}  {directSummary,-9}  {gatewaySummary}");
        }

        table.AppendLine($"direct: {direct.Scenarios.Count(s => s.Passed)}/{direct.Scenarios.Length} passed ({direct.Url}); gateway: {gateway.Scenarios.Count(s => s.Passed)}/{gateway.Scenarios.Length} passed ({gateway.Url})");
        table.AppendLine("Checks whose outcome differs through the gateway:");
        var differences = 0;
        foreach (var name in names)
        {
            if (direct.Find(name) is not { } directScenario || gateway.Find(name) is not { } gatewayScenario)
            {
                continue;
            }

            foreach (var id in directScenario.Checks.Select(c => c.Id).Union(gatewayScenario.Checks.Select(c => c.Id)))
            {
                var (directOutcome, gatewayOutcome) = (Outcome(directScenario, id), Outcome(gatewayScenario, id));
                if (directOutcome != gatewayOutcome && (directOutcome ?? gatewayOutcome) is not null)
                {
                    differences++;
                    table.Append($"  {name}/{id}: direct {directOutcome ?? "absent"}, gateway {gatewayOutcome ?? "absent"}");
                    table.AppendLine(gatewayScenario.Checks.FirstOrDefault(c => c.Id == id && c.Failed) is { } failed ? "\n" + Describe(failed, "    ") : "");
                }
            }
        }

        table.AppendLine(differences == 0 ? "  none" : "");
        return table.ToString();
    }

    /// <summary>FAILURE if any check with this id failed, SUCCESS if one succeeded, null when it only informed or warned.</summary>
    private static string? Outcome(ConformanceScenario scenario, string id)
    {
        var checks = scenario.Checks.Where(c => c.Id == id).ToList();
        return checks.Any(c => c.Failed) ? ConformanceCheck.Failure
            : checks.Any(c => c.Status == ConformanceCheck.Success) ? ConformanceCheck.Success
            : null;
    }

    /// <summary>A scenario's failed checks with the suite's message and what it saw.</summary>
    private static string Failures(ConformanceScenario scenario) =>
        $"{scenario.Name}:\n{string.Join('\n', scenario.Checks.Where(c => c.Failed).Select(c => Describe(c, "  ")))}";

    private static string Describe(ConformanceCheck check, string indent)
    {
        var text = $"{indent}{check.Id}: {check.ErrorMessage ?? check.Description}";
        if (check.Details is not { } details)
        {
            return text;
        }

        var json = JsonSerializer.Serialize(details, s_details);
        return $"{text}\n{indent}  details: {(json.Length > 600 ? json[..600] + "…" : json)}";
    }
}
