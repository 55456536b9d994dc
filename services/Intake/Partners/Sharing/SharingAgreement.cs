using AuditPlatform.Contracts;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.ServiceDefaults.Telemetry;
using Marten;
using MassTransit;

namespace AuditPlatform.Intake.Partners.Sharing;

/// <summary>
/// Suspension and restoration of sharing. Intake owns the agreement; Escalation and operators send
/// <see cref="SuspendSharing"/> and <see cref="RestoreSharing"/> over the bus.
/// </summary>
public static class SharingAgreement
{
    public static void Validate(string partner, string by, string reason)
    {
        var errors = new FieldErrors();
        errors.PartnerCode("partner", partner);
        errors.Text("by", by, 200);
        errors.Text("reason", reason);
        errors.ThrowIfAny();
    }

    /// <summary>Suspending a suspended partner (or restoring an active one) records nothing: redelivery is harmless.</summary>
    public static object? DecideSuspend(Partner? partner, SuspendSharing command, DateTimeOffset now) =>
        partner is null ? throw UnknownPartner(command.Partner)
        : partner.IsSuspended ? null
        : new Ledger.SharingSuspended(command.Partner, command.By, command.Reason, command.CaseId, command.OccurredAt?.ToUniversalTime() ?? now);

    public static object? DecideRestore(Partner? partner, RestoreSharing command, DateTimeOffset now) =>
        partner is null ? throw UnknownPartner(command.Partner)
        : !partner.IsSuspended ? null
        : new Ledger.SharingRestored(command.Partner, command.By, command.Reason, command.CaseId, command.OccurredAt?.ToUniversalTime() ?? now);

    public static async Task ApplyAsync(IDocumentSession session, string partner, Func<Partner?, object?> decide, CancellationToken cancellationToken)
    {
        var stream = await session.Events.FetchForWriting<Partner>(Partner.StreamFor(partner), cancellationToken);
        if (decide(stream.Aggregate) is { } change)
        {
            stream.AppendOne(change);
            await session.SaveChangesAsync(cancellationToken);
        }
    }

    private static InvalidCommandException UnknownPartner(string code) =>
        new("unknown-partner", "Unknown partner.", new Dictionary<string, string[]> { ["partner"] = [$"'{code}' is not a registered partner."] });
}

public sealed class SuspendSharingConsumer(IDocumentSession session, TimeProvider clock, BusCaller caller) : IConsumer<SuspendSharing>
{
    public async Task Consume(ConsumeContext<SuspendSharing> context)
    {
        // Escalation sends these through its ledger forwarder, with no user token; RabbitMQ permissions decide who may publish them.
        await caller.RequireOperatorAsync(context, servicesMaySend: true);
        var command = context.Message;
        SharingAgreement.Validate(command.Partner, command.By, command.Reason);
        await SharingAgreement.ApplyAsync(session, command.Partner, p => SharingAgreement.DecideSuspend(p, command, clock.GetUtcNow()), context.CancellationToken);
        PlatformMetrics.Accepted(nameof(SuspendSharing), "bus");
    }
}

public sealed class RestoreSharingConsumer(IDocumentSession session, TimeProvider clock, BusCaller caller) : IConsumer<RestoreSharing>
{
    public async Task Consume(ConsumeContext<RestoreSharing> context)
    {
        // Escalation sends these through its ledger forwarder, with no user token; RabbitMQ permissions decide who may publish them.
        await caller.RequireOperatorAsync(context, servicesMaySend: true);
        var command = context.Message;
        SharingAgreement.Validate(command.Partner, command.By, command.Reason);
        await SharingAgreement.ApplyAsync(session, command.Partner, p => SharingAgreement.DecideRestore(p, command, clock.GetUtcNow()), context.CancellationToken);
        PlatformMetrics.Accepted(nameof(RestoreSharing), "bus");
    }
}
