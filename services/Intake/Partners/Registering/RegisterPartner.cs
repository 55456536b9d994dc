using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ChannelKinds = AuditPlatform.Contracts.ChannelKinds;

namespace AuditPlatform.Intake.Partners.Registering;

public sealed record ChannelBody(string? Kind, Uri? WebhookUrl, string? Secret);

public sealed record RegisterPartnerBody(string? Name, string? Country, ChannelBody? Channel);

public sealed record ChannelView(string Kind, Uri? WebhookUrl, string? Secret);

public static class RegisterPartner
{
    public static void Validate(string code, RegisterPartnerBody body)
    {
        var errors = new FieldErrors();
        errors.PartnerCode("code", code);
        errors.Text("name", body.Name, 200);
        errors.Text("country", body.Country, 100);
        if (body.Channel is null)
        {
            errors.Add("channel", "is required.");
        }
        else
        {
            errors.OneOf("channel.kind", body.Channel.Kind, ChannelKinds.All);
            if (body.Channel.Kind == ChannelKinds.Webhook && (body.Channel.WebhookUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
            {
                errors.Add("channel.webhookUrl", "is required for the webhook channel, as an absolute http(s) URL.");
            }

            if (body.Channel.Secret is { Length: < 16 or > 200 })
            {
                errors.Add("channel.secret", "must be between 16 and 200 characters.");
            }
        }

        errors.ThrowIfAny();
    }

    /// <summary>A registration records an event only when something changed, so PUT stays idempotent.</summary>
    public static PartnerRegistered? Decide(Partner? current, string code, RegisterPartnerBody body, string? secretSha256, DateTimeOffset now)
    {
        var webhook = body.Channel!.Kind == ChannelKinds.Webhook ? body.Channel.WebhookUrl : null;
        var unchanged = current is not null
            && current.Name == body.Name && current.Country == body.Country
            && current.ChannelKind == body.Channel.Kind && current.WebhookUrl == webhook
            && current.WebhookSecretSha256 == secretSha256;
        return unchanged ? null : new PartnerRegistered(code, body.Name!, body.Country!, body.Channel.Kind!, webhook, secretSha256, now);
    }

    public static async Task<Results<Ok<PartnerView>, ValidationProblem, ProblemHttpResult>> Handle(
        string code, RegisterPartnerBody body, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        Validate(code, body);
        var stream = await session.Events.FetchForWriting<Partner>(Partner.StreamFor(code), cancellationToken);
        string? secret = null;
        string? generated = null;
        if (body.Channel!.Kind == ChannelKinds.Webhook)
        {
            var stored = await session.LoadAsync<PartnerSecret>(code, cancellationToken);
            secret = body.Channel.Secret ?? stored?.Secret;
            if (secret is null)
            {
                secret = generated = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
            }

            session.Store(new PartnerSecret { Id = code, Secret = secret });
        }

        var secretSha256 = secret is null ? null : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        var registered = Decide(stream.Aggregate, code, body, secretSha256, clock.GetUtcNow());
        if (registered is not null)
        {
            stream.AppendOne(registered);
        }

        await session.SaveChangesAsync(cancellationToken);
        var partner = registered is null ? stream.Aggregate! : PartnerHistory.Evolve(stream.Aggregate, registered)!;
        // The secret is shown once, to the admin who set or generated it; GET never returns it.
        return TypedResults.Ok(PartnerView.From(partner) with { Channel = new ChannelView(partner.ChannelKind, partner.WebhookUrl, body.Channel.Secret ?? generated) });
    }

    public static void MapRegisterPartner(this IEndpointRouteBuilder app) =>
        app.MapPut("/partners/{code}", Handle).AcceptsQuery().RequireAuthorization(Policies.Administer).WithTags("Partners")
            .WithSummary("Register a partner or change its details and channel.");
}
