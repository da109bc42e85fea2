using System.Collections.Immutable;
using Portcullis.Policy.Parsing;

namespace Portcullis.Gateway.Configuration;

/// <summary>Reading the <c>admins</c> list.</summary>
internal static partial class ConfigLoader
{
    private static readonly string[] s_adminKeys = ["name", "token", "role"];

    private sealed partial class Reader
    {
        /// <summary><c>[{"name", "token", "role": "admin" | "approver" | "viewer" | "policy_manager"}]</c>; an admin whose token is not set here is left out.</summary>
        private ImmutableArray<AdminConfig> Admins(SourceNode node)
        {
            if (node.Kind != SourceNodeKind.Array)
            {
                Error("/admins", node, "'admins' is a list of {\"name\", \"token\": \"env:NAME\", \"role\": \"admin\" | \"approver\" | \"viewer\" | \"policy_manager\"}.");
                return [];
            }

            var admins = ImmutableArray.CreateBuilder<AdminConfig>();
            for (var i = 0; i < node.Items.Count; i++)
            {
                if (Admin(node.Items[i], JsonPointer.Append("/admins", i), admins) is { } admin)
                {
                    admins.Add(admin);
                }
            }

            return admins.ToImmutable();
        }

        private AdminConfig? Admin(SourceNode node, string path, ImmutableArray<AdminConfig>.Builder earlier)
        {
            if (node.Kind != SourceNodeKind.Object)
            {
                Error(path, node, "An admin is {\"name\", \"token\", \"role\"}.");
                return null;
            }

            var keys = Keys(node, path, s_adminKeys);
            string? name = null;
            if (!keys.TryGetValue("name", out var nameNode))
            {
                Error(path, node, "The admin has no 'name'.");
            }
            else if (String(nameNode.Value, path + "/name") is { } nameText)
            {
                if (earlier.Any(a => a.Name == nameText))
                {
                    Error(path + "/name", nameNode.Value, $"Admin name '{nameText}' is used twice.");
                }

                name = nameText;
            }

            string? token = null;
            if (!keys.TryGetValue("token", out var tokenNode))
            {
                Error(path, node, "The admin has no 'token'; use \"env:NAME\" to read it from the environment.");
            }
            else
            {
                token = Token(tokenNode.Value, path + "/token");
            }

            var role = keys.TryGetValue("role", out var roleNode) ? Role(roleNode.Value, path + "/role") : AdminRole.Admin;
            return name is not null && token is not null ? new AdminConfig { Name = name, Token = token, Role = role } : null;
        }

        private AdminRole Role(SourceNode node, string path)
        {
            switch (String(node, path))
            {
                case "approver":
                    return AdminRole.Approver;
                case "viewer":
                    return AdminRole.Viewer;
                case "policy_manager":
                    return AdminRole.PolicyManager;
                case "admin" or null:
                    return AdminRole.Admin;
                case var other:
                    Error(path, node, $"'{other}' is not a role; use \"admin\", \"approver\", \"viewer\" or \"policy_manager\".");
                    return AdminRole.Admin;
            }
        }
    }
}
