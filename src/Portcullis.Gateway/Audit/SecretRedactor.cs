using System.Text.Json;
using System.Text.RegularExpressions;

namespace Portcullis.Gateway.Audit;

/// <summary>
/// Masks values that look like secrets in tool arguments before they reach the audit log:
/// tokens, keys, private keys, e-mail addresses, card numbers, and anything under a key whose
/// name says it is a secret. A value the patterns cannot scan in time is masked whole.
/// </summary>
internal static partial class SecretRedactor
{
    private static readonly (string Kind, Regex Pattern)[] s_patterns =
    [
        ("private_key", PrivateKey()),
        ("jwt", Jwt()),
        ("bearer_token", Bearer()),
        ("aws_access_key", AwsAccessKey()),
        ("github_token", GitHubToken()),
        ("slack_token", SlackToken()),
        ("api_key", ApiKey()),
        ("email", Email()),
    ];

    /// <summary>The arguments as JSON with secret-looking values replaced by <c>[REDACTED:kind]</c>.</summary>
    public static string Redact(JsonElement arguments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, arguments, secretField: false);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>A string with every secret-looking run replaced.</summary>
    public static string RedactText(string text)
    {
        try
        {
            foreach (var (kind, pattern) in s_patterns)
            {
                text = pattern.Replace(text, $"[REDACTED:{kind}]");
            }

            return CardNumber().Replace(text, match => PassesLuhn(match.Value) ? "[REDACTED:card_number]" : match.Value);
        }
        catch (RegexMatchTimeoutException)
        {
            return "[REDACTED:unscannable]";
        }
    }

    private static void Write(Utf8JsonWriter writer, JsonElement element, bool secretField)
    {
        if (secretField && element.ValueKind is not (JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array))
        {
            writer.WriteStringValue("[REDACTED:secret_field]");
            return;
        }

        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(property.Name);
                    Write(writer, property.Value, secretField || SecretFieldName().IsMatch(property.Name));
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    Write(writer, item, secretField);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(RedactText(element.GetString()!));
                break;
            case JsonValueKind.Number when element.GetRawText() is { Length: >= 13 } digits && CardNumber().IsMatch(digits) && PassesLuhn(digits):
                writer.WriteStringValue("[REDACTED:card_number]");
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private static bool PassesLuhn(string candidate)
    {
        var sum = 0;
        var digits = 0;
        for (var i = candidate.Length - 1; i >= 0; i--)
        {
            var c = candidate[i];
            if (c is ' ' or '-')
            {
                continue;
            }

            var digit = c - '0';
            if (digits++ % 2 == 1)
            {
                digit *= 2;
                if (digit > 9)
                {
                    digit -= 9;
                }
            }

            sum += digit;
        }

        return digits is >= 13 and <= 19 && sum % 10 == 0;
    }

    private const int TimeoutMs = 100;

    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", RegexOptions.None, TimeoutMs)]
    private static partial Regex PrivateKey();

    [GeneratedRegex(@"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex Jwt();

    [GeneratedRegex(@"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex Bearer();

    [GeneratedRegex(@"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", RegexOptions.None, TimeoutMs)]
    private static partial Regex AwsAccessKey();

    [GeneratedRegex(@"\bgh[pousr]_[A-Za-z0-9]{20,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex GitHubToken();

    [GeneratedRegex(@"\bxox[abposr]-[A-Za-z0-9-]{10,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex SlackToken();

    [GeneratedRegex(@"\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}|\bpcg_[A-Za-z0-9_-]{20,}", RegexOptions.None, TimeoutMs)]
    private static partial Regex ApiKey();

    [GeneratedRegex(@"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b", RegexOptions.None, TimeoutMs)]
    private static partial Regex Email();

    [GeneratedRegex(@"\b\d(?:[ -]?\d){12,18}\b", RegexOptions.None, TimeoutMs)]
    private static partial Regex CardNumber();

    [GeneratedRegex(@"(?i)pass(word|phrase)?|secret|token|api[_-]?key|authorization|credential|private[_-]?key", RegexOptions.None, TimeoutMs)]
    private static partial Regex SecretFieldName();
}
