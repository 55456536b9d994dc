using AuditPlatform.Contracts;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.ServiceDefaults;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
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

public abstract record BreachOutcome
{
    public sealed record Reported(BreachReceipt Receipt, bool Replayed) : BreachOutcome;

    public sealed record ClientIdConflict(Guid BreachId) : BreachOutcome;
}

public static class ReportBreachDecision
{
    public static ReportBreach Normalise(ReportBreach command, Guid fallbackId) => command with
    {
        BreachId = command.BreachId ?? fallbackId,
        ObservedAt = command.ObservedAt.ToUniversalTime(),
        Fingerprint = command.Fingerprint?.Trim().ToLowerInvariant(),
    };

    public static void Validate(ReportBreach command)
    {
        var errors = new FieldErrors();
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
        errors.Time("observedAt", command.ObservedAt);
        errors.OneOf("severity", command.Severity, Severities.All);
        errors.Text("description", command.Description, 4000);
        errors.Text("reportedBy", command.ReportedBy, 200);
        errors.ThrowIfAny();
    }

    /// <summary>The decision, with no I/O: the exposure set at the time of the leak and the attribution by fingerprint.</summary>
    public static (BreachOutcome Outcome, Stored.BreachReported? Event) Decide(ReportBreach command, string requestSha256, Breach? existing, Disclosure? disclosure)
    {
        var id = command.BreachId!.Value;
        if (existing is not null)
        {
            return Idempotency.Decide(existing.Report.RequestSha256, requestSha256) == ClientIdOutcome.Replay
                ? (new BreachOutcome.Reported(BreachReceipt.From(existing.Report), Replayed: true), null)
                : (new BreachOutcome.ClientIdConflict(id), null);
        }

        if (disclosure is not { IsRecorded: true })
        {
            throw command.Fingerprint is not null && command.DisclosureId is null
                ? Invalid("unknown-fingerprint", "fingerprint", $"'{command.Fingerprint}' is not the fingerprint of any recipient.")
                : Invalid("unknown-disclosure", "disclosureId", $"'{command.DisclosureId}' is not a recorded disclosure.");
        }

        var attributed = ExposureSet.Attribute(disclosure.Holders, command.Fingerprint);
        if (command.Fingerprint is not null && attributed is null)
        {
            throw Invalid("fingerprint-mismatch", "fingerprint", $"'{command.Fingerprint}' does not belong to disclosure '{disclosure.DisclosureId}'.");
        }

        var reported = new Stored.BreachReported(id, disclosure.DisclosureId, command.Fingerprint, command.Outlet, command.ObservedAt, command.Severity,
            command.Description, command.ReportedBy, ExposureSet.At(disclosure.Holders, command.ObservedAt), attributed,
            disclosure.Classification, disclosure.Caveats, command.ObservedAt, requestSha256);
        return (new BreachOutcome.Reported(BreachReceipt.From(reported), Replayed: false), reported);
    }

    private static InvalidCommandException Invalid(string type, string field, string message) =>
        new(type, "The breach cannot be matched to a shared item.", new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The one handler behind <c>POST /breaches</c> and the <see cref="ReportBreach"/> consumer.</summary>
public sealed class BreachDesk(IDocumentSession session)
{
    public async Task<BreachOutcome> ReportAsync(ReportBreach command, CancellationToken cancellationToken)
    {
        ReportBreachDecision.Validate(command);
        var hash = Idempotency.RequestHash(command);
        var stream = await session.Events.FetchForWriting<Breach>(Breach.StreamFor(command.BreachId!.Value), cancellationToken);
        var disclosure = command.DisclosureId is { } disclosureId
            ? await session.LoadAsync<Disclosure>(Disclosure.StreamFor(disclosureId), cancellationToken)
            : await session.LoadAsync<FingerprintOwner>(command.Fingerprint!, cancellationToken) is { } owner
                ? await session.LoadAsync<Disclosure>(Disclosure.StreamFor(owner.DisclosureId), cancellationToken)
                : null;
        var (outcome, reported) = ReportBreachDecision.Decide(command, hash, stream.Aggregate, disclosure);
        if (reported is not null)
        {
            stream.AppendOne(reported);
            await session.SaveChangesAsync(cancellationToken);
        }

        return outcome;
    }
}

public static class ReportBreachEndpoint
{
    public static async Task<IResult> Handle(ReportBreachBody body, BreachDesk desk, CancellationToken cancellationToken)
    {
        try
        {
            var outcome = await desk.ReportAsync(ReportBreachDecision.Normalise(body.ToCommand(), Guid.CreateVersion7()), cancellationToken);
            switch (outcome)
            {
                case BreachOutcome.Reported { Replayed: true } replay:
                    return TypedResults.Ok(replay.Receipt);
                case BreachOutcome.Reported reported:
                    PlatformMetrics.Accepted(nameof(ReportBreach), "http");
                    return TypedResults.Created($"/breaches/{reported.Receipt.BreachId}", reported.Receipt);
                default:
                    PlatformMetrics.Rejected(nameof(ReportBreach), "http", "client-id-conflict");
                    return Problems.ClientIdConflict("breachId", ((BreachOutcome.ClientIdConflict)outcome).BreachId);
            }
        }
        catch (InvalidCommandException invalid)
        {
            PlatformMetrics.Rejected(nameof(ReportBreach), "http", invalid.ProblemType);
            return Problems.From(invalid);
        }
    }

    public static void MapReportBreach(this IEndpointRouteBuilder app) =>
        app.MapPost("/breaches", Handle).AcceptsQuery().RequireAuthorization(Policies.Operate).WithTags("Breaches")
            .WithSummary("Report a leak; the answer names the exposure set and the partner a fingerprint attributes it to.")
            .Produces<BreachReceipt>(StatusCodes.Status201Created).ProducesValidationProblem();
}

public sealed class ReportBreachConsumer(BreachDesk desk, BusCaller caller) : IConsumer<ReportBreach>
{
    public async Task Consume(ConsumeContext<ReportBreach> context)
    {
        await caller.RequireOperatorAsync(context, servicesMaySend: false);
        var outcome = await desk.ReportAsync(ReportBreachDecision.Normalise(context.Message, ClientIds.Of(context)), context.CancellationToken);
        if (outcome is BreachOutcome.ClientIdConflict conflict)
        {
            throw new InvalidCommandException("client-id-conflict", $"breachId '{conflict.BreachId}' was already used for a different request.", new Dictionary<string, string[]>());
        }

        if (outcome is BreachOutcome.Reported { Replayed: false })
        {
            PlatformMetrics.Accepted(nameof(ReportBreach), "bus");
        }
    }
}
