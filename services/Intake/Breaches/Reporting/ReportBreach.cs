using AuditPlatform.Contracts;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using Marten;
using MassTransit;
using Stored = AuditPlatform.Intake.Ledger;

namespace AuditPlatform.Intake.Breaches.Reporting;

public sealed record ReportBreachBody(
    Guid? BreachId, Guid? DisclosureId, string? Fingerprint, string? Outlet, DateTimeOffset? ObservedAt,
    string? Severity, string? Description, string? ReportedBy)
{
    public ReportBreach ToCommand() => new()
    {
        BreachId = BreachId,
        DisclosureId = DisclosureId,
        Fingerprint = Fingerprint,
        Outlet = Outlet!,
        ObservedAt = ObservedAt ?? default,
        Severity = Severity!,
        Description = Description!,
        ReportedBy = ReportedBy!,
    };
}

public sealed record BreachReceipt(Guid BreachId, Guid DisclosureId, IReadOnlyList<string> ExposureSet, string? AttributedPartner)
{
    public static BreachReceipt From(Stored.BreachReported e) => new(e.BreachId, e.DisclosureId, e.ExposureSet, e.AttributedPartner);
}

/// <summary>The disclosure the report names, directly or through a recipient's fingerprint; null when none is recorded.</summary>
public sealed record LeakedItem(Disclosure? Disclosure);

/// <summary>
/// Reporting a leak: the exposure set is every partner holding the item when it leaked, and a fingerprint attributes
/// the leak to the one recipient it was made for.
/// </summary>
public sealed class ReportBreachSlice : CommandSlice<ReportBreach, Breach, Stored.BreachEvent, LeakedItem>
{
    private const string Unmatched = "The breach cannot be matched to a shared item.";

    /// <summary>A command without a client id gets <paramref name="fallbackId"/>; times are UTC and fingerprints lower case.</summary>
    public static ReportBreach Normalise(ReportBreach command, Guid fallbackId) => command with
    {
        BreachId = command.BreachId ?? fallbackId,
        ObservedAt = command.ObservedAt.ToUniversalTime(),
        Fingerprint = command.Fingerprint?.Trim().ToLowerInvariant(),
    };

    public override string StreamFor(ReportBreach command) => Breach.StreamFor(command.BreachId!.Value);

    public override void Validate(ReportBreach command, FieldErrors errors)
    {
        errors.Id("breachId", command.BreachId);
        errors.Id("disclosureId", command.DisclosureId);
        if (command.DisclosureId is null && string.IsNullOrEmpty(command.Fingerprint))
        {
            errors.Add("disclosureId", "one of disclosureId and fingerprint is required.");
        }

        if (command.Fingerprint is { } fingerprint && (fingerprint.Length != 32 || !fingerprint.All(char.IsAsciiHexDigitLower)))
        {
            errors.Add("fingerprint", "must be 32 lower-case hexadecimal characters.");
        }

        errors.Text("outlet", command.Outlet, 500);
        errors.Happened("observedAt", command.ObservedAt);
        errors.OneOf("severity", command.Severity, Severities.All);
        errors.Text("description", command.Description, 4000);
        errors.Text("reportedBy", command.ReportedBy, 200);
    }

    public override ClientId? ClientId(ReportBreach command) => new("breachId", command.BreachId!.Value);

    public override string? RecordedRequest(Breach state) => state.Report.RequestSha256;

    public override async Task<LeakedItem> FactsAsync(ReportBreach command, IQuerySession session, CancellationToken cancellationToken) =>
        new(command.DisclosureId is { } disclosureId
            ? await session.LoadAsync<Disclosure>(Disclosure.StreamFor(disclosureId), cancellationToken)
            : await session.LoadAsync<FingerprintOwner>(command.Fingerprint!, cancellationToken) is { } owner
                ? await session.LoadAsync<Disclosure>(Disclosure.StreamFor(owner.DisclosureId), cancellationToken)
                : null);

    /// <summary>The exposure set at the time of the leak and the attribution by fingerprint.</summary>
    public override Decision<Stored.BreachEvent> Decide(ReportBreach command, Breach? state, LeakedItem facts, CommandContext context)
    {
        if (facts.Disclosure is not { IsRecorded: true } disclosure)
        {
            return Decision<Stored.BreachEvent>.Refuse(command.Fingerprint is not null && command.DisclosureId is null
                ? Refusal.Unusable("unknown-fingerprint", Unmatched, "fingerprint", $"'{command.Fingerprint}' is not the fingerprint of any recipient.")
                : Refusal.Unusable("unknown-disclosure", Unmatched, "disclosureId", $"'{command.DisclosureId}' is not a recorded disclosure."));
        }

        var attributed = ExposureSet.Attribute(disclosure.Holders, command.Fingerprint);
        if (command.Fingerprint is not null && attributed is null)
        {
            return Decision<Stored.BreachEvent>.Refuse(
                Refusal.Unusable("fingerprint-mismatch", Unmatched, "fingerprint", $"'{command.Fingerprint}' does not belong to disclosure '{disclosure.DisclosureId}'."));
        }

        return Decision<Stored.BreachEvent>.Accept(new Stored.BreachReported(command.BreachId!.Value, disclosure.DisclosureId, command.Fingerprint, command.Outlet,
            command.ObservedAt, command.Severity, command.Description, command.ReportedBy, ExposureSet.At(disclosure.Holders, command.ObservedAt), attributed,
            disclosure.Classification, disclosure.Caveats, command.ObservedAt, context.RequestSha256));
    }

    public override Breach? Evolve(Breach? state, Stored.BreachEvent change) => BreachHistory.Evolve(state, change);
}

public static class ReportBreachEndpoint
{
    public static async Task<IResult> Handle(ReportBreachBody body, CommandHandler handler, ReportBreachSlice slice, CancellationToken cancellationToken)
    {
        var outcome = await handler.HandleAsync(slice, ReportBreachSlice.Normalise(body.ToCommand(), Guid.CreateVersion7()), Transports.Http, cancellationToken);
        return outcome.ToHttp(
            reported => TypedResults.Created($"/breaches/{reported.Report.BreachId}", BreachReceipt.From(reported.Report)),
            replayed => TypedResults.Ok(BreachReceipt.From(replayed.Report)));
    }

    public static void MapReportBreach(this IEndpointRouteBuilder app) =>
        app.MapPost("/breaches", Handle).AcceptsQuery().RequireAuthorization(Policies.Operate).WithTags("Breaches")
            .WithSummary("Report a leak; the answer names the exposure set and the partner a fingerprint attributes it to.")
            .Produces<BreachReceipt>(StatusCodes.Status201Created).ProducesValidationProblem();
}

public sealed class ReportBreachConsumer(CommandHandler handler, ReportBreachSlice slice, BusCaller caller) : IConsumer<ReportBreach>
{
    public async Task Consume(ConsumeContext<ReportBreach> context)
    {
        await caller.RequireOperatorAsync(context, servicesMaySend: false);
        (await handler.HandleAsync(slice, ReportBreachSlice.Normalise(context.Message, ClientIds.Of(context)), Transports.Bus, context.CancellationToken)).AcknowledgeOrRefuse();
    }
}
