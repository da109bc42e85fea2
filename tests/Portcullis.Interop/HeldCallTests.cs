using System.Net.Http.Headers;
using System.Text.Json;

namespace Portcullis.Interop;

/// <summary>The official TypeScript SDK client waits through a call held for approval and gets the upstream's answer.</summary>
[Collection("server-everything")]
public sealed class HeldCallTests(ServerEverythingFixture everything)
{
    [Fact(Timeout = 120_000)]
    public async Task TheTypeScriptClient_WaitsThroughAHeldCall_AndReceivesTheResultAfterApproval()
    {
        var cancel = TestContext.Current.CancellationToken;
        NodeTools.RequireInstalled();
        Assert.True(everything.Available, "server-everything did not start.");
        using var node = NodeTools.Start([NodeTools.HeldCall, everything.HeldGatewayUrl, everything.NewGrant()], environment: null);
        var stdout = node.StandardOutput.ReadToEndAsync(cancel);
        _ = node.StandardError.ReadToEndAsync(cancel);
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ServerEverythingFixture.AdminToken);

        string? id = null;
        while (id is null)
        {
            using var body = JsonDocument.Parse(await http.GetStringAsync(new Uri(everything.AdminUrl + "/approvals?status=pending"), cancel));
            id = body.RootElement.GetProperty("approvals").EnumerateArray().Where(a => a.GetProperty("tool").GetString() == "echo")
                .Select(a => a.GetProperty("id").GetString()).FirstOrDefault();
            await Task.Delay(id is null ? 50 : 1000, cancel); // once found, let the client wait through a few keep-alives
        }

        using (var approved = await http.PostAsync(new Uri($"{everything.AdminUrl}/approvals/{id}/approve"), content: null, cancel))
        {
            approved.EnsureSuccessStatusCode();
        }

        await node.WaitForExitAsync(cancel);
        using var output = JsonDocument.Parse(await stdout);
        var root = output.RootElement;
        Assert.False(root.TryGetProperty("error", out var error), error.ToString());
        Assert.False(root.GetProperty("isError").GetBoolean());
        Assert.Equal("Echo: approved through the gateway", root.GetProperty("text").GetString());
        Assert.Contains(root.GetProperty("progress").EnumerateArray(), p => p.GetString()!.StartsWith($"Waiting for approval {id}", StringComparison.Ordinal));
        Assert.True(root.GetProperty("elapsedMs").GetInt64() >= 1000);
    }
}
