using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AuditPlatform.Notification.Partners.WebhookSecrets;

/// <summary>How long a replaced secret keeps signing (<c>Notification:SecretRotationGrace</c>, default 7 days).</summary>
public sealed record SecretRotationOptions(TimeSpan Grace)
{
    public static SecretRotationOptions FromConfiguration(IConfiguration configuration)
    {
        var grace = configuration.GetValue("Notification:SecretRotationGrace", TimeSpan.FromDays(7));
        return grace < TimeSpan.Zero
            ? throw new InvalidOperationException("Notification:SecretRotationGrace must not be negative.")
            : new SecretRotationOptions(grace);
    }
}

public sealed record WebhookSecretBody(string? Secret);

/// <summary>A partner's webhook secret as an admin sees it: never the secret, except one generated for this answer.</summary>
public sealed record WebhookSecretView(string Partner, DateTimeOffset SetAt, DateTimeOffset? PreviousValidUntil, string? Secret)
{
    public static WebhookSecretView From(string partner, SigningSecrets secrets, string? shown) =>
        new(partner, secrets.SetAt, secrets.Previous is null ? null : secrets.PreviousUntil, shown);
}

public static class SetWebhookSecret
{
    public static void Validate(string code, WebhookSecretBody? body, FieldErrors errors)
    {
        errors.PartnerCode("code", code);
        if (body?.Secret is { Length: < SigningSecrets.MinLength or > SigningSecrets.MaxLength })
        {
            errors.Add("secret", $"must be between {SigningSecrets.MinLength} and {SigningSecrets.MaxLength} characters.");
        }
    }

    /// <summary>
    /// Sets (or rotates) the secret Notification signs the partner's webhook deliveries with. Without a secret in the
    /// body a new one is generated and returned in this answer only. It can be set before or after the partner's
    /// registration with Intake reaches Notification; until it is set, webhook deliveries wait and are retried.
    /// </summary>
    public static async Task<Results<Ok<WebhookSecretView>, ValidationProblem>> Handle(
        string code, [FromBody] WebhookSecretBody? body, IDocumentSession session, SecretSeal seal, SecretRotationOptions rotation, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        Validate(code, body, errors);
        if (errors.Any)
        {
            return TypedResults.ValidationProblem(errors.ToDictionary(), title: FieldErrors.DefaultTitle, type: Problems.Type("validation"));
        }

        var stored = await session.LoadAsync<WebhookSecret>(code, cancellationToken);
        var state = stored is null ? null : seal.Open(stored);
        var generated = body?.Secret is null ? SigningSecrets.Generate() : null;
        var next = SigningSecrets.Set(state, body?.Secret ?? generated!, clock.GetUtcNow(), rotation.Grace);
        if (next is not null)
        {
            session.Store(seal.Close(code, next));
            await session.SaveChangesAsync(cancellationToken);
        }

        return TypedResults.Ok(WebhookSecretView.From(code, next ?? state!, generated));
    }

    public static async Task<Results<Ok<WebhookSecretView>, ProblemHttpResult>> Get(string code, IQuerySession session, CancellationToken cancellationToken)
    {
        var stored = await session.LoadAsync<WebhookSecret>(code, cancellationToken);
        return stored is null
            ? Problems.NotFound("webhook secret", code)
            : TypedResults.Ok(new WebhookSecretView(code, stored.SetAt, stored.Previous is null ? null : stored.PreviousUntil, null));
    }

    public static void MapWebhookSecret(this IEndpointRouteBuilder app)
    {
        app.MapPut("/partners/{code}/webhook-secret", Handle).AcceptsQuery().RequireAuthorization(Policies.Administer).WithTags("Partners")
            .WithSummary("Set or rotate the secret a partner's webhook notices are signed with; without one, a secret is generated and returned once.");
        app.MapGet("/partners/{code}/webhook-secret", Get).AcceptsQuery().RequireAuthorization(Policies.Administer).WithTags("Partners")
            .WithSummary("When a partner's webhook secret was set and until when the previous one still signs; never the secret.");
    }
}
