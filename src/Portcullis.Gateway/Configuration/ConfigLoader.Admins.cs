using System.Collections.Immutable;
using System.Text.Json;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>admins</c> list.</summary>
public static partial class ConfigLoader
{
    private static readonly string[] s_adminKeys = ["name", "token", "role"];

    private sealed partial class Reader
    {
        /// <summary><c>[{"name", "token", "role": "admin" | "approver" | "viewer" | "policy_manager"}]</c>.</summary>
        public ImmutableArray<AdminConfig> Admins(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Array)
            {
                Error("/admins", "'admins' is a list of {\"name\", \"token\": \"env:NAME\", \"role\": \"admin\" | \"approver\" | \"viewer\" | \"policy_manager\"}.");
                return [];
            }

            var admins = ImmutableArray.CreateBuilder<AdminConfig>();
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var path = $"/admins/{index++}";
                if (item.ValueKind != JsonValueKind.Object)
                {
                    Error(path, "An admin is {\"name\", \"token\", \"role\"}.");
                    continue;
                }

                CheckKeys(item, path, s_adminKeys);
                var name = item.TryGetProperty("name", out var nameElement) ? String(nameElement, path + "/name") : null;
                if (name is null && !item.TryGetProperty("name", out _))
                {
                    Error(path, "The admin has no 'name'.");
                }
                else if (name is not null && admins.Any(a => a.Name == name))
                {
                    Error(path + "/name", $"Admin name '{name}' is used twice.");
                }

                string? token = null;
                if (!item.TryGetProperty("token", out var tokenElement))
                {
                    Error(path, "The admin has no 'token'; use \"env:NAME\" to read it from the environment.");
                }
                else if (Secret(tokenElement, path + "/token") is { } tokenText)
                {
                    if (tokenText.Length < 24)
                    {
                        Error(path + "/token", "The token is shorter than 24 characters; use a long random value.");
                    }
                    else
                    {
                        token = tokenText;
                    }
                }

                var role = AdminRole.Admin;
                if (item.TryGetProperty("role", out var roleElement))
                {
                    switch (String(roleElement, path + "/role"))
                    {
                        case "admin":
                            break;
                        case "approver":
                            role = AdminRole.Approver;
                            break;
                        case "viewer":
                            role = AdminRole.Viewer;
                            break;
                        case "policy_manager":
                            role = AdminRole.PolicyManager;
                            break;
                        case { } other:
                            Error(path + "/role", $"'{other}' is not a role; use \"admin\", \"approver\", \"viewer\" or \"policy_manager\".");
                            break;
                    }
                }

                if (name is not null && token is not null)
                {
                    admins.Add(new AdminConfig { Name = name, Token = token, Role = role });
                }
            }

            return admins.ToImmutable();
        }
    }
}
