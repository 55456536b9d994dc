using System.Security.Claims;
using AuditPlatform.ServiceDefaults.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AuditPlatform.Testing;

/// <summary>Development tokens, shaped like the ones deploy/local/token.sh prints.</summary>
public static class DevTokens
{
    public static string Mint(byte[] key, string role, string? partner = null, TimeSpan? lifetime = null, DateTime? now = null)
    {
        var issued = now ?? DateTime.UtcNow;
        var claims = new Dictionary<string, object> { ["sub"] = $"test-{role}" + (partner is null ? string.Empty : "-" + partner), [Roles.ClaimType] = role };
        if (partner is not null)
        {
            claims[Roles.PartnerClaimType] = partner;
        }

        var expires = issued + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = AuthSetup.LocalIssuer,
            Audience = AuthSetup.DefaultAudience,
            Claims = claims,
            IssuedAt = issued,
            NotBefore = expires < issued ? expires.AddMinutes(-1) : issued,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key), SecurityAlgorithms.HmacSha256),
        });
    }

    public static ClaimsPrincipal Principal(string role, string? partner = null)
    {
        var claims = new List<Claim> { new("sub", "test-" + role), new(Roles.ClaimType, role) };
        if (partner is not null)
        {
            claims.Add(new Claim(Roles.PartnerClaimType, partner));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, "test", "sub", Roles.ClaimType));
    }
}
