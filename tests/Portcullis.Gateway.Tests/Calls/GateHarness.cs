using System.Collections.Immutable;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Portcullis.Gateway.Approvals;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Calls;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;
using Portcullis.Gateway.Pinning;
using Portcullis.Gateway.Policies;
using Portcullis.Gateway.Protocol;
using Portcullis.Gateway.Upstreams;
using Portcullis.Policy;
using Portcullis.Storage.Approvals;
using Portcullis.Storage.Audit;
using Portcullis.Storage.Events;
using Portcullis.Storage.Limits;
using Portcullis.Storage.Pins;

namespace Portcullis.Gateway.Tests.Calls;

/// <summary>
/// A <see cref="ToolCallGate"/> over in-memory stores and a real audit log, without a front:
/// messages go in as bytes, tickets come out, and the audit log shows what was recorded.
/// </summary>
internal sealed class GateHarness : IAsyncDisposable
{
    private readonly string _spill = Directory.CreateTempSubdirectory("portcullis-gate-").FullName;
    private readonly ToolCatalog _catalog;
    private readonly RefusalRecorder _refusals;

    public GateHarness(string policy, TimeSpan? heartbeat = null, bool canHold = true)
    {
        Audit = new AuditLog([AuditStore], new AuditConfig(), _spill, "gateway", TimeProvider.System, NullLogger<AuditLog>.Instance);
        Approvals = new ApprovalService(new InMemoryApprovalStore(), NoChangeFeed.Instance, Audit, TimeProvider.System, NullLogger<ApprovalService>.Instance);
        var pins = new ToolPins(new InMemoryToolPinStore(), Audit, TimeProvider.System, NullLogger.Instance);
        _catalog = new ToolCatalog(NoChangeFeed.Instance, pins, NullLogger<ToolCatalog>.Instance);
        _refusals = new RefusalRecorder(Audit, NullLogger<RefusalRecorder>.Instance);
        Policy = new ServedPolicy(PolicyParser.Parse(policy, PolicyFormat.Json).Policy ?? throw new ArgumentException("invalid policy", nameof(policy)), 3);
        Gate = new ToolCallGate(new CallRecorder(Audit, NullLogger.Instance), new LimitReserver(Counters, FailMode.Closed, NullLogger.Instance),
            new ApprovalHolds(Approvals, new ApprovalWebhookSender(TimeProvider.System, NullLogger<ApprovalWebhookSender>.Instance), canHold,
                heartbeat ?? TimeSpan.FromSeconds(15), TimeProvider.System),
            pins, _catalog, _refusals, TimeProvider.System);
    }

    public InMemoryAuditStore AuditStore { get; } = new();

    public AuditLog Audit { get; }

    public InMemoryCounterStore Counters { get; } = new(TimeProvider.System);

    public ApprovalService Approvals { get; }

    public ToolCallGate Gate { get; }

    public ServedPolicy Policy { get; }

    public UpstreamServerConfig Server { get; init; } = new() { Id = "docs", Url = new Uri("http://127.0.0.1:1/mcp"), Pinning = PinningMode.Off };

    public Grant Grant { get; } = new() { Name = "agent", TokenHash = ImmutableArray.Create(new byte[32]), Servers = ["docs"] };

    /// <summary>The tool definitions the decision may ask for, and how often it asked.</summary>
    public ListedTools Tools { get; } = new();

    public Task<ToolCallTicket> CallAsync(string tool, string arguments = "{}", int id = 1, string session = "pcs_1") =>
        AdmitAsync($$$"""{"jsonrpc":"2.0","id":{{{id}}},"method":"tools/call","params":{"name":"{{{tool}}}","arguments":{{{arguments}}}}}""", session);

    public async Task<ToolCallTicket> AdmitAsync(string json, string session = "pcs_1", ServedPolicy? policy = null, bool noPolicy = false)
    {
        using var message = JsonRpcMessage.TryParse(Encoding.UTF8.GetBytes(json), 64, out var error) ?? throw new ArgumentException(error!.Message, nameof(json));
        var origin = new CallOrigin(Grant, Server, session, "127.0.0.1", Stopwatch.GetTimestamp());
        return await Gate.AdmitAsync(noPolicy ? null : policy ?? Policy, message, origin, Tools, TestContext.Current.CancellationToken);
    }

    /// <summary>Every record written so far, oldest first.</summary>
    public async Task<IReadOnlyList<AuditRecord>> RecordsAsync()
    {
        await Audit.FlushAsync(TestContext.Current.CancellationToken);
        return [.. (await AuditStore.QueryAsync(new AuditQuery { Limit = 1000 }, TestContext.Current.CancellationToken)).Reverse()];
    }

    public async ValueTask DisposeAsync()
    {
        _refusals.Dispose();
        _catalog.Dispose();
        await Audit.DisposeAsync();
        Directory.Delete(_spill, recursive: true);
    }

    /// <summary>A server's tool list held in memory, as the upstream layer would have read it.</summary>
    internal sealed class ListedTools : IToolDefinitionSource
    {
        private ToolDefinitions _definitions = ToolDefinitions.From([]);

        public int Asked { get; private set; }

        public void Set(string toolsJson)
        {
            using var document = JsonDocument.Parse(toolsJson);
            _definitions = ToolDefinitions.From([.. document.RootElement.EnumerateArray().Select(e => e.Clone())]);
        }

        public ValueTask<(ToolDefinitions? Definitions, string? Problem)> DefinitionsAsync(CancellationToken cancellationToken)
        {
            Asked++;
            return ValueTask.FromResult<(ToolDefinitions?, string?)>((_definitions, null));
        }
    }
}
