using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;
using Portcullis.Storage.Approvals;

namespace Portcullis.Web.Browser;

/// <summary>A <c>code_generate</c> call an agent has made and the gateway holds for approval, recognised by a marker in its arguments.</summary>
internal sealed class HeldCall : IAsyncDisposable
{
    private readonly McpClient _client;
    private readonly CancellationTokenSource _cancel = new();

    private HeldCall(McpClient client, string marker, string more)
    {
        _client = client;
        Marker = marker;
        Answer = client.CallToolAsync("code_generate", new Dictionary<string, object?> { ["description"] = marker + more }, cancellationToken: _cancel.Token).AsTask();
    }

    /// <summary>Text in the call's description, unique to the test.</summary>
    public string Marker { get; }

    /// <summary>The result the agent gets once someone decides.</summary>
    public Task<CallToolResult> Answer { get; }

    /// <summary>Holds a call whose description is <paramref name="marker"/> (plain text, to find it) followed by <paramref name="more"/>.</summary>
    public static async Task<HeldCall> StartAsync(AdminUiFixture fixture, string marker, string more = "") => new(await fixture.ConnectAgentAsync(), marker, more);

    /// <summary>The approval the gateway stored for this call, once it is there.</summary>
    public async Task<ApprovalRequest> ApprovalAsync(AdminUiFixture fixture)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (DateTimeOffset.UtcNow < deadline)
        {
            var pending = await fixture.State.Approvals.ListAsync(null, 200, TestContext.Current.CancellationToken);
            if (pending.FirstOrDefault(a => a.Arguments?.Contains(Marker, StringComparison.Ordinal) == true) is { } approval)
            {
                return approval;
            }

            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        throw new TimeoutException($"No approval holds '{Marker}'.");
    }

    public async ValueTask DisposeAsync()
    {
        await _cancel.CancelAsync();
        try
        {
            await Answer;
        }
        catch (OperationCanceledException)
        {
            // The test left the call undecided; cancelling withdraws it.
        }

        await _client.DisposeAsync();
        _cancel.Dispose();
    }
}
