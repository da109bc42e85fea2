using System.Security.Cryptography;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;

namespace Portcullis.Gateway.Admin;

/// <summary>Who is calling the admin API: admin tokens are checked by their SHA-256, in constant time; grant tokens never count.</summary>
internal sealed class AdminAuthenticator(IEnumerable<AdminConfig> admins)
{
    private readonly (string Name, byte[] Hash, AdminRole Role)[] _admins = [.. admins.Select(a => (a.Name, GrantRegistry.Hash(a.Token), a.Role))];

    /// <summary>Whether any admin is configured (without one, the admin API answers 404).</summary>
    public bool Enabled => _admins.Length > 0;

    /// <summary>The admin whose token is in <paramref name="authorization"/>, or null.</summary>
    public (string Name, AdminRole Role)? Authenticate(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var hash = GrantRegistry.Hash(authorization[scheme.Length..].Trim());
        (string, AdminRole)? found = null;
        foreach (var (name, expected, role) in _admins)
        {
            // Every entry is compared, so the time taken does not tell which one matched.
            if (CryptographicOperations.FixedTimeEquals(hash, expected))
            {
                found = (name, role);
            }
        }

        return found;
    }
}
