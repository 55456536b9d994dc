using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using ChannelKinds = AuditPlatform.Contracts.ChannelKinds;

namespace AuditPlatform.Intake.Partners.Registering;

/// <summary>
/// The notice channel. <paramref name="Secret"/> is read only to refuse it: the webhook secret is set on Notification,
/// the one service that signs with it (<c>PUT /partners/{code}/webhook-secret</c>), and never passes through Intake.
/// </summary>
public sealed record ChannelBody(string? Kind, Uri? WebhookUrl, string? Secret);

public sealed record RegisterPartnerBody(string? Name, string? Country, ChannelBody? Channel);

public sealed record ChannelView(string Kind, Uri? WebhookUrl);

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

            if (body.Channel.Secret is not null)
            {
                errors.Add("channel.secret", $"is not accepted here: set the webhook secret on Notification, PUT /partners/{code}/webhook-secret.");
            }
        }

        errors.ThrowIfAny();
    }

    /// <summary>A registration records an event only when something changed, so PUT stays idempotent.</summary>
    public static PartnerRegistered? Decide(Partner? current, string code, RegisterPartnerBody body, DateTimeOffset now)
    {
        var webhook = body.Channel!.Kind == ChannelKinds.Webhook ? body.Channel.WebhookUrl : null;
        var unchanged = current is not null
            && current.Name == body.Name && current.Country == body.Country
            && current.ChannelKind == body.Channel.Kind && current.WebhookUrl == webhook;
        return unchanged ? null : new PartnerRegistered(code, body.Name!, body.Country!, body.Channel.Kind!, webhook, now);
    }

    public static async Task<Results<Ok<PartnerView>, ValidationProblem, ProblemHttpResult>> Handle(
        string code, RegisterPartnerBody body, IDocumentSession session, PartnerQueueDeclaration queues, TimeProvider clock, CancellationToken cancellationToken)
    {
        Validate(code, body);
        if (body.Channel!.Kind == ChannelKinds.Bus)
        {
            // Before anything is recorded: when the answer is 200 the integrator can subscribe at once, and when the
            // broker refused, nothing changed and the same PUT can be repeated.
            try
            {
                await queues.DeclareAsync(code, cancellationToken);
            }
            catch (PartnerQueueUnavailableException)
            {
                return Problems.Refusal(StatusCodes.Status503ServiceUnavailable, "partner-queue-unavailable", "The partner's queue could not be declared.",
                    $"The broker did not declare partner.{code}; nothing was recorded. Repeat the request.");
            }
        }

        var stream = await session.Events.FetchForWriting<Partner>(Partner.StreamFor(code), cancellationToken);
        var registered = Decide(stream.Aggregate, code, body, clock.GetUtcNow());
        if (registered is not null)
        {
            stream.AppendOne(registered);
        }

        await session.SaveChangesAsync(cancellationToken);
        var partner = registered is null ? stream.Aggregate! : PartnerHistory.Evolve(stream.Aggregate, registered)!;
        return TypedResults.Ok(PartnerView.From(partner));
    }

    public static void MapRegisterPartner(this IEndpointRouteBuilder app) =>
        app.MapPut("/partners/{code}", Handle).AcceptsQuery().RequireAuthorization(Policies.Administer).WithTags("Partners")
            .WithSummary("Register a partner or change its details and channel; a bus partner's queue exists when it returns.");
}
