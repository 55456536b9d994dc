using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using AuditPlatform.ServiceDefaults.Commands;
using ChannelKinds = AuditPlatform.Contracts.ChannelKinds;

namespace AuditPlatform.Intake.Partners.Registering;

/// <summary>
/// The notice channel. <paramref name="Secret"/> is read only to refuse it: the webhook secret is set on Notification,
/// the one service that signs with it (<c>PUT /partners/{code}/webhook-secret</c>), and never passes through Intake.
/// </summary>
public sealed record ChannelBody(string? Kind, Uri? WebhookUrl, string? Secret);

public sealed record RegisterPartnerBody(string? Name, string? Country, ChannelBody? Channel);

public sealed record ChannelView(string Kind, Uri? WebhookUrl);

/// <summary>Registering a partner, or changing its details and channel; the code comes from the path.</summary>
public sealed record RegisterPartner(string Code, RegisterPartnerBody Body);

/// <summary>Whether the partner's queue is declared on the broker (always true for a webhook partner, which has none).</summary>
public sealed record PartnerQueueState(bool Declared);

/// <summary>
/// A registration records an event only when something changed, so PUT stays idempotent. A bus partner's queue is
/// declared before anything is recorded: when the answer is 200 the integrator can subscribe at once, and when the
/// broker refused, nothing changed and the same PUT can be repeated.
/// </summary>
public sealed class RegisterPartnerSlice(PartnerQueueDeclaration queues) : CommandSlice<RegisterPartner, Partner, PartnerEvent, PartnerQueueState>
{
    public override string StreamFor(RegisterPartner command) => Partner.StreamFor(command.Code);

    public override void Validate(RegisterPartner command, FieldErrors errors)
    {
        var (code, body) = (command.Code, command.Body);
        errors.PartnerCode("code", code);
        errors.Text("name", body.Name, 200);
        errors.Text("country", body.Country, 100);
        if (body.Channel is null)
        {
            errors.Add("channel", "is required.");
            return;
        }

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

    public override async Task<PartnerQueueState> FactsAsync(RegisterPartner command, IQuerySession session, CancellationToken cancellationToken)
    {
        if (command.Body.Channel!.Kind != ChannelKinds.Bus)
        {
            return new PartnerQueueState(true);
        }

        try
        {
            await queues.DeclareAsync(command.Code, cancellationToken);
            return new PartnerQueueState(true);
        }
        catch (PartnerQueueUnavailableException)
        {
            return new PartnerQueueState(false);
        }
    }

    public override Decision<PartnerEvent> Decide(RegisterPartner command, Partner? state, PartnerQueueState facts, CommandContext context)
    {
        if (!facts.Declared)
        {
            return Decision<PartnerEvent>.Refuse(new Refusal(RefusalKind.Unavailable, "partner-queue-unavailable", "The partner's queue could not be declared.",
                $"The broker did not declare partner.{command.Code}; nothing was recorded. Repeat the request."));
        }

        var body = command.Body;
        var webhook = body.Channel!.Kind == ChannelKinds.Webhook ? body.Channel.WebhookUrl : null;
        var unchanged = state is not null
            && state.Name == body.Name && state.Country == body.Country
            && state.ChannelKind == body.Channel.Kind && state.WebhookUrl == webhook;
        return unchanged
            ? Decision<PartnerEvent>.AlreadyDone
            : Decision<PartnerEvent>.Accept(new PartnerRegistered(command.Code, body.Name!, body.Country!, body.Channel.Kind!, webhook, context.Now));
    }

    public override Partner? Evolve(Partner? state, PartnerEvent change) => PartnerHistory.Evolve(state, change);

    public static async Task<IResult> Handle(string code, RegisterPartnerBody body, CommandHandler handler, RegisterPartnerSlice slice, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(slice, new RegisterPartner(code, body), Transports.Http, cancellationToken)).ToHttp(partner => TypedResults.Ok(PartnerView.From(partner)));
}

public static class RegisterPartnerEndpoint
{
    public static void MapRegisterPartner(this IEndpointRouteBuilder app) =>
        app.MapPut("/partners/{code}", RegisterPartnerSlice.Handle).AcceptsQuery().RequireAuthorization(Policies.Administer).WithTags("Partners")
            .WithSummary("Register a partner or change its details and channel; a bus partner's queue exists when it returns.")
            .Produces<PartnerView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status503ServiceUnavailable);
}
