using System.Security.Claims;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using MassTransit;
using Stored = AuditPlatform.Intake.Ledger;

namespace AuditPlatform.Intake.Disclosures.Recording;

/// <summary>The HTTP body of <c>POST /disclosures</c>: the command's fields, all optional until validated.</summary>
public sealed record RecordDisclosureBody(
    Guid? DisclosureId, string? Originator, string? Title, string? Classification, IReadOnlyList<string>? Caveats,
    string? ContentSha256, IReadOnlyList<string>? Recipients, string? SharedBy, DateTimeOffset? OccurredAt)
{
    public RecordDisclosure ToCommand() => new()
    {
        DisclosureId = DisclosureId,
        Originator = Originator!,
        Title = Title!,
        Classification = Classification!,
        Caveats = Caveats ?? [],
        ContentSha256 = ContentSha256!,
        Recipients = Recipients!,
        SharedBy = SharedBy!,
        OccurredAt = OccurredAt ?? default,
    };
}

public sealed record DisclosureReceipt(Guid DisclosureId, IReadOnlyDictionary<string, string> Fingerprints)
{
    public static DisclosureReceipt Of(Disclosure disclosure) =>
        new(disclosure.DisclosureId, disclosure.Holders.ToDictionary(h => h.Partner, h => h.Fingerprint));
}

/// <summary>The recipients' registrations, read before deciding.</summary>
public sealed record Recipients(IReadOnlyDictionary<string, Partner> Partners);

/// <summary>
/// Sharing an item with partners: each recipient gets its own fingerprint; while any recipient is suspended nothing is
/// shared with anyone and the refusal is recorded.
/// </summary>
public sealed class RecordDisclosureSlice(Fingerprints fingerprints) : CommandSlice<RecordDisclosure, Disclosure, Stored.DisclosureEvent, Recipients>
{
    public const int MaxCaveats = 50;
    public const int MaxRecipients = 100;

    /// <summary>A command without a client id gets <paramref name="fallbackId"/> (a new id over HTTP, the message id on the bus); times are UTC.</summary>
    public static RecordDisclosure Normalise(RecordDisclosure command, Guid fallbackId) => command with
    {
        DisclosureId = command.DisclosureId ?? fallbackId,
        OccurredAt = command.OccurredAt.ToUniversalTime(),
    };

    public override string StreamFor(RecordDisclosure command) => Disclosure.StreamFor(command.DisclosureId!.Value);

    public override void Validate(RecordDisclosure command, FieldErrors errors)
    {
        errors.Id("disclosureId", command.DisclosureId);
        errors.PartnerCode("originator", command.Originator);
        errors.Text("title", command.Title, 500);
        errors.OneOf("classification", command.Classification, Classifications.All);
        errors.List("caveats", command.Caveats, required: false, max: MaxCaveats);
        if (command.Caveats?.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 100) == true)
        {
            errors.Add("caveats", "each caveat must be 1 to 100 characters.");
        }

        errors.Sha256Hex("contentSha256", command.ContentSha256);
        errors.List("recipients", command.Recipients, max: MaxRecipients);
        if (command.Recipients is not null)
        {
            foreach (var (code, index) in command.Recipients.Select((c, i) => (c, i)))
            {
                errors.PartnerCode($"recipients[{index}]", code);
            }

            if (command.Recipients.Distinct(StringComparer.Ordinal).Count() != command.Recipients.Count)
            {
                errors.Add("recipients", "must not name a partner twice.");
            }
        }

        errors.Text("sharedBy", command.SharedBy, 200);
        errors.Happened("occurredAt", command.OccurredAt);
    }

    public override ClientId? ClientId(RecordDisclosure command) => new("disclosureId", command.DisclosureId!.Value);

    /// <summary>Only a recorded disclosure is final: a refused one may be shared again once the suspension is lifted.</summary>
    public override string? RecordedRequest(Disclosure state) => state.IsRecorded ? state.RequestSha256 : null;

    public override async Task<Recipients> FactsAsync(RecordDisclosure command, IQuerySession session, CancellationToken cancellationToken) =>
        new((await session.LoadManyAsync<Partner>(cancellationToken, command.Recipients.Select(Partner.StreamFor))).Where(p => p is not null).ToDictionary(p => p.Code));

    public override Decision<Stored.DisclosureEvent> Decide(RecordDisclosure command, Disclosure? state, Recipients facts, CommandContext context)
    {
        var id = command.DisclosureId!.Value;
        var unknown = command.Recipients.Where(r => !facts.Partners.ContainsKey(r)).ToList();
        if (unknown.Count > 0)
        {
            return Decision<Stored.DisclosureEvent>.Refuse(
                Refusal.Unusable("unknown-partner", "Unknown recipient.", "recipients", [.. unknown.Select(u => $"'{u}' is not a registered partner.")]));
        }

        var suspended = command.Recipients.Where(r => facts.Partners[r].IsSuspended).ToList();
        if (suspended.Count > 0)
        {
            var refusal = new Refusal(RefusalKind.Conflict, "sharing-suspended", "Sharing is suspended.",
                $"Sharing with {string.Join(", ", suspended)} is suspended; nothing was shared with anyone and the refusal is recorded.")
            {
                Extensions = new Dictionary<string, object?> { ["disclosureId"] = id, ["suspendedPartners"] = suspended },
                Kept = true,
            };

            // A redelivered or repeated refusal is answered again but recorded once.
            var alreadyRecorded = state is { Status: Disclosure.Blocked } && state.RequestSha256 == context.RequestSha256 && state.SuspendedPartners.SequenceEqual(suspended);
            return alreadyRecorded
                ? Decision<Stored.DisclosureEvent>.Refuse(refusal)
                : Decision<Stored.DisclosureEvent>.Refuse(refusal, new Stored.SharingBlocked(id, command.Originator, command.Title, command.Recipients, suspended, command.SharedBy, command.OccurredAt, context.RequestSha256,
                    command.Classification, command.Caveats, command.ContentSha256));
        }

        var recipients = command.Recipients.Select(r => new Stored.Recipient(r, fingerprints.For(id, r))).ToList();
        return Decision<Stored.DisclosureEvent>.Accept(new Stored.DisclosureRecorded(id, command.Originator, command.Title, command.Classification, command.Caveats,
            command.ContentSha256, recipients, command.SharedBy, command.OccurredAt, context.RequestSha256));
    }

    public override Disclosure? Evolve(Disclosure? state, Stored.DisclosureEvent change) => DisclosureHistory.Evolve(state, change);
}

public static class RecordDisclosureEndpoint
{
    public static async Task<IResult> Handle(RecordDisclosureBody body, ClaimsPrincipal user, CommandHandler handler, RecordDisclosureSlice slice, CancellationToken cancellationToken)
    {
        var command = RecordDisclosureSlice.Normalise(body.ToCommand(), Guid.CreateVersion7());
        if (!user.MayActFor(command.Originator ?? string.Empty))
        {
            return HttpOutcomes.Problem(handler.Refuse(slice.Name, Transports.Http, Refusal.Forbidden("An integrator may share only as its own originator.")));
        }

        var outcome = await handler.HandleAsync(slice, command, Transports.Http, cancellationToken);
        return outcome.ToHttp(
            recorded => TypedResults.Created($"/disclosures/{recorded.DisclosureId}", DisclosureReceipt.Of(recorded)),
            replayed => TypedResults.Ok(DisclosureReceipt.Of(replayed)));
    }

    public static void MapRecordDisclosure(this IEndpointRouteBuilder app) =>
        app.MapPost("/disclosures", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Disclosures")
            .WithSummary("Share an item with partners; each recipient gets its own fingerprint.")
            .Produces<DisclosureReceipt>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesValidationProblem();
}

/// <summary>The bus face of the same slice; without a client id, the message id is the client id, so redelivery has one effect.</summary>
public sealed class RecordDisclosureConsumer(CommandHandler handler, RecordDisclosureSlice slice, BusCaller caller) : IConsumer<RecordDisclosure>
{
    public async Task Consume(ConsumeContext<RecordDisclosure> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Originator ?? string.Empty);
        var command = RecordDisclosureSlice.Normalise(context.Message, ClientIds.Of(context));
        (await handler.HandleAsync(slice, command, Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}
