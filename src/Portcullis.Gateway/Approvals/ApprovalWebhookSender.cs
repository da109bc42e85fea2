using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
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
/// A failing or refused webhook is logged; the approval still waits for a decision by other means.
/// </summary>
/// <remarks>
/// The sender resolves the host itself and checks every address (<see cref="WebhookTarget"/>)
/// before it connects, then connects only to those addresses, so a second DNS answer between
/// the check and the connection cannot lead elsewhere. Redirects are not followed, no proxy is
/// used, and the response body is never read.
/// </remarks>
internal sealed class ApprovalWebhookSender
{
    /// <summary>The signature header.</summary>
    public const string SignatureHeader = "X-Portcullis-Signature";

    /// <summary>The timestamp header (Unix seconds), covered by the signature so a request cannot be replayed later unnoticed.</summary>
    public const string TimestampHeader = "X-Portcullis-Timestamp";

    /// <summary>How long one delivery may take, connection included.</summary>
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);

    private static readonly HttpRequestOptionsKey<IPAddress[]> s_checkedAddresses = new("Portcullis.ApprovalWebhook.CheckedAddresses");

    // One connection pool per allow_private setting, so a connection opened to a private receiver
    // for one policy is never reused for a webhook that does not allow private targets.
    private static readonly HttpClient s_publicOnly = CreateClient();
    private static readonly HttpClient s_privateAllowed = CreateClient();

    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly Func<string, CancellationToken, Task<IPAddress[]>> _resolve;

    /// <summary>Creates a sender that resolves host names through the system's DNS.</summary>
    public ApprovalWebhookSender(TimeProvider timeProvider, ILogger<ApprovalWebhookSender> logger)
        : this(timeProvider, logger, Dns.GetHostAddressesAsync)
    {
    }

    internal ApprovalWebhookSender(TimeProvider timeProvider, ILogger logger, Func<string, CancellationToken, Task<IPAddress[]>> resolve)
    {
        _timeProvider = timeProvider;
        _logger = logger;
        _resolve = resolve;
    }

    /// <summary>Posts <paramref name="request"/> to <paramref name="webhook"/>.</summary>
    public async Task SendAsync(ApprovalWebhook webhook, ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        ArgumentNullException.ThrowIfNull(request);
        var secret = webhook.Secret.StartsWith("env:", StringComparison.Ordinal) ? Environment.GetEnvironmentVariable(webhook.Secret[4..]) : webhook.Secret;
        if (string.IsNullOrEmpty(secret))
        {
            Log.ApprovalWebhookFailed(_logger, request.Id, webhook.Url, $"the signing secret {webhook.Secret} is not set");
            return;
        }

        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            Log.ApprovalWebhookRefused(_logger, request.Id, webhook.Url, "it is not an http(s) URL");
            return;
        }

        var body = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["id"] = request.Id,
            ["grant"] = request.Grant,
            ["server"] = request.Server,
            ["tool"] = request.Tool,
            ["arguments"] = ApprovalJson.Arguments(request),
            ["rule_id"] = request.RuleId,
            ["reason"] = request.Reason,
            ["requested_at"] = request.RequestedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["expires_at"] = request.ExpiresAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["approve"] = $"/admin/api/approvals/{request.Id}/approve",
            ["deny"] = $"/admin/api/approvals/{request.Id}/deny",
        });
        var timestamp = _timeProvider.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(body, Encoding.UTF8) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        message.Headers.Add(TimestampHeader, timestamp);
        message.Headers.Add(SignatureHeader, "sha256=" + Sign(secret, timestamp, body));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(s_timeout);
            var addresses = url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(url.IdnHost, out var literal)
                ? [literal]
                : await _resolve(url.IdnHost, timeout.Token).ConfigureAwait(false);
            if (WebhookTarget.Check(url, addresses, webhook.AllowPrivate) is { } refused)
            {
                Log.ApprovalWebhookRefused(_logger, request.Id, webhook.Url, refused);
                return;
            }

            message.Options.Set(s_checkedAddresses, addresses);
            var client = webhook.AllowPrivate ? s_privateAllowed : s_publicOnly;
            using var response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400)
            {
                Log.ApprovalWebhookFailed(_logger, request.Id, webhook.Url, $"HTTP {(int)response.StatusCode}; redirects are not followed");
            }
            else if (!response.IsSuccessStatusCode)
            {
                Log.ApprovalWebhookFailed(_logger, request.Id, webhook.Url, $"HTTP {(int)response.StatusCode}");
            }
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or OperationCanceledException or ArgumentException)
        {
            Log.ApprovalWebhookFailed(_logger, request.Id, webhook.Url, e.Message);
        }
    }

    /// <summary>The hex HMAC-SHA256 of <c>timestamp + "." + body</c> with <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret ?? ""), Encoding.UTF8.GetBytes(timestamp + "." + body)));

    private static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        ConnectTimeout = s_timeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        MaxResponseHeadersLength = 16,
        MaxResponseDrainSize = 16 * 1024,
        ConnectCallback = ConnectToCheckedAddressAsync,
    })
    {
        Timeout = s_timeout,
        MaxResponseContentBufferSize = 64 * 1024,
    };

    /// <summary>Connects to the addresses <see cref="SendAsync"/> resolved and checked, in order, never to a fresh DNS answer.</summary>
    private static async ValueTask<Stream> ConnectToCheckedAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        if (!context.InitialRequestMessage.Options.TryGetValue(s_checkedAddresses, out var addresses) || addresses.Length == 0)
        {
            throw new HttpRequestException("The webhook's addresses were not checked before connecting.");
        }

        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }

        throw last!;
    }
}
