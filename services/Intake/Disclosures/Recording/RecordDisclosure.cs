using System.Security.Claims;
using AuditPlatform.Contracts;
using AuditPlatform.Intake.Partners;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
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

public sealed record DisclosureReceipt(Guid DisclosureId, IReadOnlyDictionary<string, string> Fingerprints);

/// <summary>What became of a disclosure command.</summary>
public abstract record DisclosureOutcome
{
    public sealed record Recorded(DisclosureReceipt Receipt, bool Replayed) : DisclosureOutcome;

    public sealed record Refused(Guid DisclosureId, IReadOnlyList<string> SuspendedPartners) : DisclosureOutcome;

    public sealed record ClientIdConflict(Guid DisclosureId) : DisclosureOutcome;
}

public static class RecordDisclosureDecision
{
    public const int MaxCaveats = 50;
    public const int MaxRecipients = 100;

    public static RecordDisclosure Normalise(RecordDisclosure command, Guid fallbackId) => command with
    {
        DisclosureId = command.DisclosureId ?? fallbackId,
        OccurredAt = command.OccurredAt.ToUniversalTime(),
    };

    public static void Validate(RecordDisclosure command)
    {
        var errors = new FieldErrors();
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
        errors.Time("occurredAt", command.OccurredAt);
        errors.ThrowIfAny();
    }

    /// <summary>
    /// The decision, with no I/O: given what the ledger holds under this id and the recipients' agreements,
    /// either record the disclosure, refuse it (recording the refusal), replay, or report a conflict.
    /// </summary>
    public static (DisclosureOutcome Outcome, object? Event) Decide(
        RecordDisclosure command, string requestSha256, Disclosure? existing, IReadOnlyDictionary<string, Partner> partners, Fingerprints fingerprints)
    {
        var id = command.DisclosureId!.Value;
        if (existing is { IsRecorded: true })
        {
            return Idempotency.Decide(existing.RequestSha256, requestSha256) == ClientIdOutcome.Replay
                ? (new DisclosureOutcome.Recorded(Receipt(existing), Replayed: true), null)
                : (new DisclosureOutcome.ClientIdConflict(id), null);
        }

        var unknown = command.Recipients.Where(r => !partners.ContainsKey(r)).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidCommandException("unknown-partner", "Unknown recipient.",
                new Dictionary<string, string[]> { ["recipients"] = [.. unknown.Select(u => $"'{u}' is not a registered partner.")] });
        }

        var suspended = command.Recipients.Where(r => partners[r].IsSuspended).ToList();
        if (suspended.Count > 0)
        {
            // A redelivered or repeated refusal is answered again but recorded once.
            var alreadyRecorded = existing is { Status: Disclosure.Blocked } && existing.RequestSha256 == requestSha256
                && existing.SuspendedPartners.SequenceEqual(suspended);
            var blocked = alreadyRecorded ? null : new Stored.SharingBlocked(id, command.Originator, command.Title, command.Recipients, suspended, command.SharedBy, command.OccurredAt, requestSha256);
            return (new DisclosureOutcome.Refused(id, suspended), blocked);
        }

        var recipients = command.Recipients.Select(r => new Stored.Recipient(r, fingerprints.For(id, r))).ToList();
        var recorded = new Stored.DisclosureRecorded(id, command.Originator, command.Title, command.Classification, command.Caveats,
            command.ContentSha256, recipients, command.SharedBy, command.OccurredAt, requestSha256);
        return (new DisclosureOutcome.Recorded(new DisclosureReceipt(id, recipients.ToDictionary(r => r.Partner, r => r.Fingerprint)), Replayed: false), recorded);
    }

    public static DisclosureReceipt Receipt(Disclosure disclosure) =>
        new(disclosure.DisclosureId, disclosure.Holders.ToDictionary(h => h.Partner, h => h.Fingerprint));
}

/// <summary>The one handler behind <c>POST /disclosures</c> and the <see cref="RecordDisclosure"/> consumer.</summary>
public sealed class DisclosureDesk(IDocumentSession session, Fingerprints fingerprints)
{
    public async Task<DisclosureOutcome> RecordAsync(RecordDisclosure command, CancellationToken cancellationToken)
    {
        RecordDisclosureDecision.Validate(command);
        var hash = Idempotency.RequestHash(command);
        var stream = await session.Events.FetchForWriting<Disclosure>(Disclosure.StreamFor(command.DisclosureId!.Value), cancellationToken);
        var partners = (await session.LoadManyAsync<Partner>(cancellationToken, command.Recipients.Select(Partner.StreamFor)))
            .Where(p => p is not null).ToDictionary(p => p.Code);
        var (outcome, change) = RecordDisclosureDecision.Decide(command, hash, stream.Aggregate, partners, fingerprints);
        if (change is not null)
        {
            stream.AppendOne(change);
            await session.SaveChangesAsync(cancellationToken);
        }

        return outcome;
    }
}

public static class RecordDisclosureEndpoint
{
    public static async Task<IResult> Handle(RecordDisclosureBody body, ClaimsPrincipal user, DisclosureDesk desk, CancellationToken cancellationToken)
    {
        var command = RecordDisclosureDecision.Normalise(body.ToCommand(), Guid.CreateVersion7());
        if (!user.MayActFor(command.Originator ?? string.Empty))
        {
            PlatformMetrics.Rejected(nameof(RecordDisclosure), "http", "forbidden");
            return Problems.Forbidden("An integrator may share only as its own originator.");
        }

        try
        {
            var outcome = await desk.RecordAsync(command, cancellationToken);
            return ToResult(outcome);
        }
        catch (InvalidCommandException invalid)
        {
            PlatformMetrics.Rejected(nameof(RecordDisclosure), "http", invalid.ProblemType);
            return Problems.From(invalid);
        }
    }

    public static IResult ToResult(DisclosureOutcome outcome)
    {
        switch (outcome)
        {
            case DisclosureOutcome.Recorded { Replayed: true } replay:
                return TypedResults.Ok(replay.Receipt);
            case DisclosureOutcome.Recorded recorded:
                PlatformMetrics.Accepted(nameof(RecordDisclosure), "http");
                return TypedResults.Created($"/disclosures/{recorded.Receipt.DisclosureId}", recorded.Receipt);
            case DisclosureOutcome.Refused refused:
                PlatformMetrics.Rejected(nameof(RecordDisclosure), "http", "sharing-suspended");
                return Problems.Refusal(StatusCodes.Status409Conflict, "sharing-suspended", "Sharing is suspended.",
                    $"Sharing with {string.Join(", ", refused.SuspendedPartners)} is suspended; nothing was shared with anyone and the refusal is recorded.",
                    new Dictionary<string, object?> { ["disclosureId"] = refused.DisclosureId, ["suspendedPartners"] = refused.SuspendedPartners });
            case DisclosureOutcome.ClientIdConflict conflict:
                PlatformMetrics.Rejected(nameof(RecordDisclosure), "http", "client-id-conflict");
                return Problems.ClientIdConflict("disclosureId", conflict.DisclosureId);
            default:
                throw new InvalidOperationException("Unknown outcome " + outcome);
        }
    }

    public static void MapRecordDisclosure(this IEndpointRouteBuilder app) =>
        app.MapPost("/disclosures", Handle).AcceptsQuery().RequireAuthorization(Policies.OperateOrIntegrate).WithTags("Disclosures")
            .WithSummary("Share an item with partners; each recipient gets its own fingerprint.")
            .Produces<DisclosureReceipt>(StatusCodes.Status201Created).ProducesProblem(StatusCodes.Status409Conflict).ProducesValidationProblem();
}

/// <summary>The bus face of the same desk; without a client id, the message id is the client id, so redelivery has one effect.</summary>
public sealed class RecordDisclosureConsumer(DisclosureDesk desk, BusCaller caller) : IConsumer<RecordDisclosure>
{
    public async Task Consume(ConsumeContext<RecordDisclosure> context)
    {
        await caller.RequireActingForAsync(context, context.Message.Originator ?? string.Empty);
        var command = RecordDisclosureDecision.Normalise(context.Message, ClientIds.Of(context));
        var outcome = await desk.RecordAsync(command, context.CancellationToken);
        switch (outcome)
        {
            case DisclosureOutcome.ClientIdConflict conflict:
                throw new InvalidCommandException("client-id-conflict", $"disclosureId '{conflict.DisclosureId}' was already used for a different request.", new Dictionary<string, string[]>());
            case DisclosureOutcome.Refused:
                PlatformMetrics.Rejected(nameof(RecordDisclosure), "bus", "sharing-suspended");
                break;
            case DisclosureOutcome.Recorded { Replayed: false }:
                PlatformMetrics.Accepted(nameof(RecordDisclosure), "bus");
                break;
        }
    }
}
