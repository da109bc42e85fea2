using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Portcullis.Policy.Documents;
using Portcullis.Policy.Network;

namespace Portcullis.Policy.Parsing;

/// <summary>
/// Turns a <see cref="SourceNode"/> tree into a <see cref="PolicyDocument"/>, checking every
/// rule and collecting every problem, each with its JSON Pointer, position and a fix hint.
/// Returns no document when anything is wrong.
/// </summary>
internal sealed partial class PolicyBinder
{
    private static readonly string[] s_rootKeys = ["version", "default", "mode", "audit_args", "hide", "all_tools", "tools"];
    private static readonly string[] s_toolKeys = ["action", "reason", "require", "deny_if", "rate_limit", "limits", "approval", "validate_args"];
    private static readonly string[] s_denyIfKeys = ["conditions", "on_deny"];
    private static readonly string[] s_approvalKeys = ["when", "timeout", "on_timeout", "remember", "webhook"];
    private static readonly string[] s_webhookKeys = ["url", "secret", "allow_private"];

    private readonly List<PolicyError> _errors;
    private readonly SourceNodeReader _read;

    private PolicyBinder(List<PolicyError> errors)
    {
        _errors = errors;
        _read = new SourceNodeReader(errors);
    }

    public static PolicyDocument? Bind(SourceNode root, List<PolicyError> errors)
    {
        var binder = new PolicyBinder(errors);
        var before = errors.Count;
        var document = binder.BindDocument(root);
        return errors.Count == before ? document : null;
    }

    private PolicyDocument? BindDocument(SourceNode root)
    {
        if (!Expect(root, "", SourceNodeKind.Object, "A policy is an object such as {\"version\": \"1\", \"default\": \"deny\", \"tools\": {}}."))
        {
            return null;
        }

        var keys = ReadKeys(root, "", s_rootKeys);
        var document = new PolicyDocument();

        if (keys.TryGetValue("version", out var version))
        {
            var supported = version.Value.Kind switch
            {
                SourceNodeKind.String => version.Value.Text == PolicyDocument.CurrentVersion,
                SourceNodeKind.Number => version.Value.Text == PolicyDocument.CurrentVersion,
                _ => false,
            };
            if (!supported)
            {
                Error("/version", version.Value, $"Unknown policy version {Show(version.Value)}.",
                    $"This build understands version \"{PolicyDocument.CurrentVersion}\".");
            }
        }
        else
        {
            Error("", root, "The policy has no 'version'.", $"Add \"version\": \"{PolicyDocument.CurrentVersion}\".");
        }

        if (keys.TryGetValue("default", out var defaultNode)
            && Enum<DefaultAction>("/default", defaultNode.Value, ["deny", "allow"]) is { } defaultAction)
        {
            document = document with { Default = defaultAction };
        }

        if (keys.TryGetValue("mode", out var mode) && Enum<PolicyMode>("/mode", mode.Value, ["enforce", "shadow"]) is { } policyMode)
        {
            document = document with { Mode = policyMode };
        }

        if (keys.TryGetValue("audit_args", out var auditArgs)
            && Enum<AuditArguments>("/audit_args", auditArgs.Value, ["keys", "redacted", "full"]) is { } auditArguments)
        {
            document = document with { AuditArgs = auditArguments };
        }

        if (keys.TryGetValue("hide", out var hide))
        {
            document = document with { Hide = BindHide(hide.Value) };
        }

        if (keys.TryGetValue("all_tools", out var allTools))
        {
            document = document with { AllTools = BindToolRule(allTools.Value, "/all_tools", "all_tools") };
        }

        if (keys.TryGetValue("tools", out var tools)
            && Expect(tools.Value, "/tools", SourceNodeKind.Object, "'tools' maps tool names to rules, e.g. {\"review_code\": {}}."))
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<string, ToolRule>(StringComparer.Ordinal);
            foreach (var tool in UniqueProperties(tools.Value, "/tools"))
            {
                var path = JsonPointer.Append("/tools", tool.Name);
                if (tool.Name.Length == 0)
                {
                    Error(path, tool.Value, "A tool name is empty.", "Use the tool's exact name as the upstream lists it.");
                    continue;
                }

                if (BindToolRule(tool.Value, path, tool.Name) is { } rule)
                {
                    builder[tool.Name] = rule;
                }
            }

            document = document with { Tools = builder.ToImmutable() };
        }

        return document;
    }

    private ImmutableArray<string> BindHide(SourceNode node)
    {
        if (!Expect(node, "/hide", SourceNodeKind.Array, "'hide' is a list of tool names or globs, e.g. [\"delete_*\"]."))
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<string>();
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            var path = JsonPointer.Append("/hide", i);
            if (Expect(item, path, SourceNodeKind.String, "Each entry is a tool name or a glob such as \"delete_*\"."))
            {
                if (item.Text!.Length == 0)
                {
                    Error(path, item, "A hide entry is empty.", "Remove it or write a tool name.");
                }
                else
                {
                    builder.Add(item.Text);
                }
            }
        }

        return builder.ToImmutable();
    }

    private ToolRule? BindToolRule(SourceNode node, string path, string toolName)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "A tool rule is an object; {} allows the tool."))
        {
            return null;
        }

        var keys = ReadKeys(node, path, s_toolKeys);
        var rule = new ToolRule();
        if (keys.TryGetValue("action", out var action)
            && Enum<ToolAction>(path + "/action", action.Value, ["allow", "deny", "require_approval"]) is { } toolAction)
        {
            rule = rule with { Action = toolAction };
        }

        if (keys.TryGetValue("reason", out var reason) && String(path + "/reason", reason.Value) is { } reasonText)
        {
            rule = rule with { Reason = reasonText };
        }

        if (keys.TryGetValue("require", out var require))
        {
            rule = rule with { Require = BindConditions(require.Value, path + "/require") };
        }

        if (keys.TryGetValue("deny_if", out var denyIf))
        {
            rule = rule with { DenyIf = BindDenyIf(denyIf.Value, path + "/deny_if") };
        }

        if (keys.TryGetValue("rate_limit", out var rateLimit))
        {
            rule = rule with { RateLimit = BindRateLimit(rateLimit.Value, path + "/rate_limit", toolName) };
        }

        if (keys.TryGetValue("limits", out var limits)
            && Expect(limits.Value, path + "/limits", SourceNodeKind.Array, "'limits' is a list of {counter, window, max, scope}."))
        {
            var builder = ImmutableArray.CreateBuilder<LimitRule>();
            for (var i = 0; i < limits.Value.Items.Count; i++)
            {
                if (BindLimit(limits.Value.Items[i], JsonPointer.Append(path + "/limits", i)) is { } limit)
                {
                    builder.Add(limit);
                }
            }

            rule = rule with { Limits = builder.ToImmutable() };
        }

        if (keys.TryGetValue("approval", out var approval))
        {
            rule = rule with { Approval = BindApproval(approval.Value, path + "/approval") };
        }

        if (keys.TryGetValue("validate_args", out var validateArgs))
        {
            rule = rule with { ValidateArgs = BindValidateArgs(validateArgs.Value, path + "/validate_args") };
        }

        return rule;
    }

    private ImmutableArray<DenyIfRule> BindDenyIf(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Array, "'deny_if' is a list of {conditions: [...], on_deny: \"reason\"}."))
        {
            return [];
        }

        var builder = ImmutableArray.CreateBuilder<DenyIfRule>();
        for (var i = 0; i < node.Items.Count; i++)
        {
            var item = node.Items[i];
            var itemPath = JsonPointer.Append(path, i);
            if (!Expect(item, itemPath, SourceNodeKind.Object, "Each deny_if entry is {conditions: [...], on_deny: \"reason\"}."))
            {
                continue;
            }

            if (item.Properties.Any(p => p.Name is "path" or "op"))
            {
                Error(itemPath, item, "A deny_if entry holds a list of conditions, not a single condition.",
                    "Wrap it: {\"conditions\": [{\"path\": ..., \"op\": ..., \"value\": ...}], \"on_deny\": \"reason\"}.");
                continue;
            }

            var keys = ReadKeys(item, itemPath, s_denyIfKeys);
            if (!keys.TryGetValue("conditions", out var conditions))
            {
                Error(itemPath, item, "The deny_if entry has no 'conditions'.", "Add \"conditions\": [{\"path\": ..., \"op\": ..., \"value\": ...}].");
                continue;
            }

            var bound = BindConditions(conditions.Value, itemPath + "/conditions");
            if (bound.IsEmpty && conditions.Value.Kind == SourceNodeKind.Array && conditions.Value.Items.Count == 0)
            {
                Error(itemPath + "/conditions", conditions.Value, "A deny_if entry with no conditions would deny every call.",
                    "Use \"action\": \"deny\" to deny a tool outright.");
            }

            string? onDeny = null;
            if (keys.TryGetValue("on_deny", out var onDenyNode))
            {
                onDeny = String(itemPath + "/on_deny", onDenyNode.Value);
            }

            builder.Add(new DenyIfRule(bound, onDeny));
        }

        return builder.ToImmutable();
    }

    private ApprovalRule? BindApproval(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "'approval' is {when: [...], timeout: \"10m\", on_timeout: \"deny\"}."))
        {
            return null;
        }

        var keys = ReadKeys(node, path, s_approvalKeys);
        var approval = new ApprovalRule();
        if (keys.TryGetValue("when", out var when))
        {
            approval = approval with { When = BindConditions(when.Value, path + "/when") };
        }

        if (keys.TryGetValue("timeout", out var timeout) && Seconds(path + "/timeout", timeout.Value, allowNamedWindows: false) is { } seconds)
        {
            approval = approval with { Timeout = TimeSpan.FromSeconds(seconds) };
        }

        if (keys.TryGetValue("on_timeout", out var onTimeout)
            && Enum<TimeoutAction>(path + "/on_timeout", onTimeout.Value, ["deny", "allow"]) is { } timeoutAction)
        {
            approval = approval with { OnTimeout = timeoutAction };
        }

        if (keys.TryGetValue("remember", out var remember) && Seconds(path + "/remember", remember.Value, allowNamedWindows: false) is { } rememberSeconds)
        {
            approval = approval with { Remember = TimeSpan.FromSeconds(rememberSeconds) };
        }

        if (keys.TryGetValue("webhook", out var webhook))
        {
            approval = approval with { Webhook = BindWebhook(webhook.Value, path + "/webhook") };
        }

        return approval;
    }

    private ApprovalWebhook? BindWebhook(SourceNode node, string path)
    {
        if (!Expect(node, path, SourceNodeKind.Object, "'webhook' is {url: \"https://…\", secret: \"env:NAME\"}."))
        {
            return null;
        }

        var before = _errors.Count;
        var keys = ReadKeys(node, path, s_webhookKeys);
        var allowPrivate = false;
        if (keys.TryGetValue("allow_private", out var allowPrivateNode))
        {
            if (allowPrivateNode.Value.Kind == SourceNodeKind.Boolean)
            {
                allowPrivate = allowPrivateNode.Value.BooleanValue;
            }
            else
            {
                Error(path + "/allow_private", allowPrivateNode.Value, $"'allow_private' is true or false, not {Show(allowPrivateNode.Value)}.");
            }
        }

        string? url = null;
        if (!keys.TryGetValue("url", out var urlNode))
        {
            Error(path, node, "The webhook has no 'url'.", "Add \"url\": \"https://approvals.example/portcullis\".");
        }
        else if (urlNode.Value.Kind != SourceNodeKind.String
            || !Uri.TryCreate(urlNode.Value.Text, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("http" or "https") || parsed.UserInfo.Length > 0)
        {
            Error(path + "/url", urlNode.Value, $"{Show(urlNode.Value)} is not an http(s) URL without credentials.", null);
        }
        else if (WebhookTargetProblem(parsed, allowPrivate) is { } problem)
        {
            Error(path + "/url", urlNode.Value, problem.Message, problem.Hint);
        }
        else
        {
            url = urlNode.Value.Text;
        }

        string? secret = null;
        if (!keys.TryGetValue("secret", out var secretNode))
        {
            Error(path, node, "The webhook has no 'secret'; its requests are signed with it.", "Add \"secret\": \"env:APPROVAL_WEBHOOK_SECRET\".");
        }
        else if (secretNode.Value.Kind != SourceNodeKind.String || secretNode.Value.Text!.Length == 0)
        {
            Error(path + "/secret", secretNode.Value, "The secret is a string, normally \"env:NAME\".", null);
        }
        else
        {
            secret = secretNode.Value.Text;
        }

        return _errors.Count != before || url is null || secret is null ? null : new ApprovalWebhook(url, secret) { AllowPrivate = allowPrivate };
    }

    /// <summary>
    /// What can be known of a webhook's target before sending: http is only for private receivers
    /// (<c>allow_private</c>), and a literal IP address must be public unless <c>allow_private</c>.
    /// Host names are resolved and checked the same way each time the gateway sends.
    /// </summary>
    private static (string Message, string Hint)? WebhookTargetProblem(Uri url, bool allowPrivate)
    {
        const string AllowHint = "If the receiver is meant to be on a private network, add \"allow_private\": true to the webhook.";
        IPAddress? address = null;
        if (url.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && !IPAddress.TryParse(url.DnsSafeHost, out address))
        {
            return ($"The webhook's host {url.Host} is not an IP address the gateway can check.", "Write the address in its usual form, e.g. 203.0.113.7.");
        }

        var kind = address is null ? (AddressKind?)null : AddressClassifier.Classify(address);
        if (kind is { } privateKind && privateKind != AddressKind.Public && !allowPrivate)
        {
            return ($"The webhook's host {url.Host} is {AddressClassifier.Describe(privateKind)}; the gateway does not post approvals to its own host or networks unless told to.",
                AllowHint);
        }

        if (url.Scheme == Uri.UriSchemeHttp && !allowPrivate)
        {
            return ("The webhook uses http; approvals, with their arguments, are only posted over https to a public address.",
                "Use https, or, for a receiver on a private network, add \"allow_private\": true.");
        }

        if (url.Scheme == Uri.UriSchemeHttp && kind == AddressKind.Public)
        {
            return ($"The webhook uses http to {url.Host}, a public address; http is only for private receivers.", "Use https.");
        }

        return null;
    }
}
