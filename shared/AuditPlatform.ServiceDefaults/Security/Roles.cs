using System.Security.Claims;

namespace AuditPlatform.ServiceDefaults.Security;

/// <summary>The four roles of the contract (claim <c>role</c>).</summary>
public static class Roles
{
    public const string Operator = "operator";
    public const string Compliance = "compliance";
    public const string Integrator = "integrator";
    public const string Admin = "admin";

    public const string ClaimType = "role";
    public const string PartnerClaimType = "partner";
}

/// <summary>Named authorization policies; endpoints name one of these, never a role list of their own.</summary>
public static class Policies
{
    /// <summary>Any authenticated caller of the platform.</summary>
    public const string AnyRole = "any-role";

    /// <summary>Operators (and admins) run the platform day to day.</summary>
    public const string Operate = "operate";

    /// <summary>Operators, or an integrator acting for its own partner (checked by the endpoint).</summary>
    public const string OperateOrIntegrate = "operate-or-integrate";

    /// <summary>Internal staff: operators, compliance and admins (not integrators).</summary>
    public const string ReadInternal = "read-internal";

    /// <summary>Integrators only, confined to their partner claim.</summary>
    public const string Integrate = "integrate";

    /// <summary>Compliance staff and admins read the audit stream.</summary>
    public const string Comply = "comply";

    /// <summary>Admins only.</summary>
    public const string Administer = "administer";
}

/// <summary>Who is calling, as the endpoints need it.</summary>
public static class CallerExtensions
{
    public static bool IsIntegrator(this ClaimsPrincipal user) => user.IsInRole(Roles.Integrator) && !user.IsInRole(Roles.Operator) && !user.IsInRole(Roles.Admin);

    public static string? Partner(this ClaimsPrincipal user) => user.FindFirst(Roles.PartnerClaimType)?.Value;

    public static string Name(this ClaimsPrincipal user) => user.FindFirst("sub")?.Value ?? user.Identity?.Name ?? "unknown";

    /// <summary>An integrator may act only for its own partner; everyone else the policy let in may act for any.</summary>
    public static bool MayActFor(this ClaimsPrincipal user, string partner) =>
        !user.IsIntegrator() || string.Equals(user.Partner(), partner, StringComparison.Ordinal);
}
