using System.Security.Claims;
using AuditPlatform.ServiceDefaults.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace AuditPlatform.ServiceDefaults.Security;

/// <summary>
/// Who sent a bus command. A command carries its sender's token in the <c>Authorization</c> header
/// (<c>Bearer &lt;JWT&gt;</c>), checked exactly as HTTP checks it; a refused command goes to the
/// <c>_error</c> queue with the reason and is recorded nowhere.
/// </summary>
public sealed class BusCaller(IOptionsMonitor<JwtBearerOptions> jwt, IConfiguration configuration)
{
    public const string Header = "Authorization";

    private bool TokenRequired => configuration.GetValue("Bus:RequireCallerToken", true);

    /// <summary>The verified sender, or null when the message carries no token.</summary>
    public async Task<ClaimsPrincipal?> IdentifyAsync(ConsumeContext context)
    {
        var header = context.Headers.Get<string>(Header) ?? context.Headers.Get<string>("authorization");
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var result = await ValidateAsync(header, context.CancellationToken);
        return result.IsValid
            ? new ClaimsPrincipal(result.ClaimsIdentity)
            : throw Refused("unauthenticated", "The command's Authorization header does not carry a valid token: " + result.Exception?.GetType().Name);
    }

    /// <summary>The verified sender of a message's <c>Authorization</c> header; null when there is none or it is not valid.</summary>
    public async Task<ClaimsPrincipal?> TryIdentifyAsync(string? header, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(header))
        {
            return null;
        }

        var result = await ValidateAsync(header, cancellationToken);
        return result.IsValid ? new ClaimsPrincipal(result.ClaimsIdentity) : null;
    }

    private async Task<Microsoft.IdentityModel.Tokens.TokenValidationResult> ValidateAsync(string header, CancellationToken cancellationToken)
    {
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : header.Trim();
        var options = jwt.Get(JwtBearerDefaults.AuthenticationScheme);
        var parameters = options.TokenValidationParameters.Clone();
        if (options.ConfigurationManager is not null)
        {
            var oidc = await options.ConfigurationManager.GetConfigurationAsync(cancellationToken);
            parameters.ValidIssuers = [.. parameters.ValidIssuers ?? [], oidc.Issuer];
            parameters.IssuerSigningKeys = oidc.SigningKeys;
        }

        return await new JsonWebTokenHandler().ValidateTokenAsync(token, parameters);
    }

    /// <summary>An integrator may act only for its own partner; operators and admins for any.</summary>
    public async Task RequireActingForAsync(ConsumeContext context, string partner)
    {
        var caller = await RequireCallerAsync(context);
        if (caller is null)
        {
            return;
        }

        if (!caller.IsInRole(Roles.Operator) && !caller.IsInRole(Roles.Admin) && !caller.IsInRole(Roles.Integrator))
        {
            throw Refused("forbidden", "The sender's role may not send this command.");
        }

        if (!caller.MayActFor(partner))
        {
            throw Refused("forbidden", $"An integrator for {caller.Partner()} may not act for {partner}.");
        }
    }

    /// <summary>Only operators and admins (or, without a token, the platform's own services) may send this command.</summary>
    public async Task RequireOperatorAsync(ConsumeContext context, bool servicesMaySend)
    {
        var caller = servicesMaySend ? await IdentifyAsync(context) : await RequireCallerAsync(context);
        if (caller is not null && !caller.IsInRole(Roles.Operator) && !caller.IsInRole(Roles.Admin))
        {
            throw Refused("forbidden", "Only operators may send this command.");
        }
    }

    private async Task<ClaimsPrincipal?> RequireCallerAsync(ConsumeContext context)
    {
        var caller = await IdentifyAsync(context);
        return caller is null && TokenRequired
            ? throw Refused("unauthenticated", $"The command needs its sender's token in the '{Header}' header (Bearer <JWT>).")
            : caller;
    }

    private static InvalidCommandException Refused(string type, string reason) => new(type, reason, new Dictionary<string, string[]>());
}
