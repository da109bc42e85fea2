using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Portcullis.Policy.Documents;
using Portcullis.Storage.Approvals;

namespace Portcullis.Gateway.Approvals;

/// <summary>
/// Announces a pending approval to the policy's webhook: a JSON POST signed with
/// HMAC-SHA256 over <c>timestamp + "." + body</c> (header <c>X-Portcullis-Signature: sha256=…</c>,
/// timestamp in <c>X-Portcullis-Timestamp</c>). The decision comes back through the admin API.
/// A failing webhook is logged; the approval still waits for a decision by other means.
/// </summary>
public sealed class ApprovalWebhookSender(HttpClient http, TimeProvider timeProvider, ILogger<ApprovalWebhookSender> logger)
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Portcullis-Signature";

    /// <summary>The timestamp header (Unix seconds), covered by the signature so a request cannot be replayed later unnoticed.</summary>
    public const string TimestampHeader = "X-Portcullis-Timestamp";

    /// <summary>Posts <paramref name="request"/> to <paramref name="webhook"/>.</summary>
    public async Task SendAsync(ApprovalWebhook webhook, ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(request);
        var secret = webhook.Secret.StartsWith("env:", StringComparison.Ordinal) ? Environment.GetEnvironmentVariable(webhook.Secret[4..]) : webhook.Secret;
        if (string.IsNullOrEmpty(secret))
        {
            Log.ApprovalWebhookFailed(logger, request.Id, webhook.Url, $"the signing secret {webhook.Secret} is not set");
            return;
        }

        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = request.Id,
            ["grant"] = request.Grant,
            ["server"] = request.Server,
            ["tool"] = request.Tool,
            ["arguments"] = request.Arguments,
            ["rule_id"] = request.RuleId,
            ["reason"] = request.Reason,
            ["requested_at"] = request.RequestedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["expires_at"] = request.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["approve"] = $"/admin/api/approvals/{request.Id}/approve",
            ["deny"] = $"/admin/api/approvals/{request.Id}/deny",
        });
        var timestamp = timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var message = new HttpRequestMessage(HttpMethod.Post, webhook.Url) { Content = new StringContent(body, Encoding.UTF8) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add(TimestampHeader, timestamp);
        message.Headers.Add(SignatureHeader, "sha256=" + Sign(secret, timestamp, body));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await http.SendAsync(message, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                Log.ApprovalWebhookFailed(logger, request.Id, webhook.Url, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            Log.ApprovalWebhookFailed(logger, request.Id, webhook.Url, e.Message);
        }
    }

    /// <summary>The hex HMAC-SHA256 of <c>timestamp + "." + body</c> with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? ""), Encoding.UTF8.GetBytes(timestamp + "." + body)));
}
