using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace AuditPlatform.ServiceDefaults.Security;

public static class AuthSetup
{
    public const string LocalIssuer = "auditplatform-local";
    public const string DefaultAudience = "auditplatform";

    /// <summary>
    /// JWT bearer: an OIDC authority in production (<c>Auth:Authority</c>, <c>Auth:Audience</c>), or locally
    /// tokens signed with the development key that <c>deploy/local/up.sh</c> writes (<c>Auth:SigningKeyFile</c>).
    /// </summary>
    public static IServiceCollection AddPlatformAuth(this WebApplicationBuilder builder)
    {
        var auth = builder.Configuration.GetSection("Auth");
        var authority = auth["Authority"];
        var audience = auth["Audience"] ?? DefaultAudience;

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(options =>
        {
            options.MapInboundClaims = false;
            options.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAudience = audience,
                RoleClaimType = Roles.ClaimType,
                NameClaimType = "sub",
                ClockSkew = TimeSpan.FromSeconds(auth.GetValue("ClockSkewSeconds", 30)),
                RequireExpirationTime = true,
                ValidateLifetime = true,
            };
            if (!string.IsNullOrEmpty(authority))
            {
                options.Authority = authority;
                options.RequireHttpsMetadata = auth.GetValue("RequireHttpsMetadata", true);
            }
            else
            {
                options.TokenValidationParameters.ValidIssuer = auth["Issuer"] ?? LocalIssuer;
                options.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(LocalSigningKey(auth));
                options.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            }
        });

        builder.Services.AddAuthorizationBuilder()
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build())
            .AddPolicy(Policies.AnyRole, p => p.RequireRole(Roles.Operator, Roles.Compliance, Roles.Integrator, Roles.Admin))
            .AddPolicy(Policies.ReadInternal, p => p.RequireRole(Roles.Operator, Roles.Compliance, Roles.Admin))
            .AddPolicy(Policies.Operate, p => p.RequireRole(Roles.Operator, Roles.Admin))
            .AddPolicy(Policies.OperateOrIntegrate, p => p.RequireRole(Roles.Operator, Roles.Admin, Roles.Integrator)
                .RequireAssertion(c => !c.User.IsInRole(Roles.Integrator) || c.User.Partner() is not null))
            .AddPolicy(Policies.Integrate, p => p.RequireRole(Roles.Integrator).RequireClaim(Roles.PartnerClaimType))
            .AddPolicy(Policies.Comply, p => p.RequireRole(Roles.Compliance, Roles.Admin))
            .AddPolicy(Policies.Administer, p => p.RequireRole(Roles.Admin));

        return builder.Services;
    }

    /// <summary>The development signing key: base64 in <c>Auth:SigningKey</c> or in the file <c>Auth:SigningKeyFile</c>.</summary>
    public static byte[] LocalSigningKey(IConfiguration auth)
    {
        var text = auth["SigningKey"];
        var file = auth["SigningKeyFile"];
        if (string.IsNullOrWhiteSpace(text) && !string.IsNullOrWhiteSpace(file))
        {
            text = File.ReadAllText(file);
        }

        if (string.IsNullOrWhiteSpace(text))
        {
            throw new InvalidOperationException("Auth: set Authority (OIDC) or SigningKey/SigningKeyFile (development tokens).");
        }

        var key = Convert.FromBase64String(text.Trim());
        return key.Length >= 32 ? key : throw new InvalidOperationException("Auth: the signing key must be at least 256 bits.");
    }
}
