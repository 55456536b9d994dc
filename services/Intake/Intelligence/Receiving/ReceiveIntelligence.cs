using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Security;

namespace AuditPlatform.Intake.Intelligence.Receiving;

/// <summary>Intelligence received; the body of <c>POST /intelligence</c> and its command (the fields in this order make the request hash).</summary>
public sealed record ReceiveIntelligence(Guid? ItemId, string? Source, string? Summary, DateTimeOffset? OccurredAt);

public sealed record ItemReceipt(Guid ItemId);

public sealed class ReceiveIntelligenceSlice : CommandSlice<ReceiveIntelligence, IntelligenceItem, IntelligenceEvent>
{
    public static ReceiveIntelligence Normalise(ReceiveIntelligence command) =>
        command with { ItemId = command.ItemId ?? Guid.CreateVersion7(), OccurredAt = command.OccurredAt?.ToUniversalTime() };

    public override string StreamFor(ReceiveIntelligence command) => IntelligenceItem.StreamFor(command.ItemId!.Value);

    public override void Validate(ReceiveIntelligence command, FieldErrors errors)
    {
        errors.Id("itemId", command.ItemId);
        errors.Text("source", command.Source, 200);
        errors.Text("summary", command.Summary, 4000);
        errors.Happened("occurredAt", command.OccurredAt);
    }

    public override ClientId? ClientId(ReceiveIntelligence command) => new("itemId", command.ItemId!.Value);

    public override string? RecordedRequest(IntelligenceItem state) => state.RequestSha256;

    public override Decision<IntelligenceEvent> Decide(ReceiveIntelligence command, IntelligenceItem? state, CommandContext context) =>
        Decision<IntelligenceEvent>.Accept(new IntelligenceReceived(command.ItemId!.Value, command.Source!, command.Summary!, command.OccurredAt!.Value, context.RequestSha256));

    public override IntelligenceItem? Evolve(IntelligenceItem? state, IntelligenceEvent change) => IntelligenceHistory.Evolve(state, change);

    public static async Task<IResult> Handle(ReceiveIntelligence body, CommandHandler handler, ReceiveIntelligenceSlice slice, CancellationToken cancellationToken) =>
        (await handler.HandleAsync(slice, Normalise(body), Transports.Http, cancellationToken)).ToHttp(
            received => TypedResults.Created($"/intelligence/{received.ItemId}", new ItemReceipt(received.ItemId)),
            replayed => TypedResults.Ok(new ItemReceipt(replayed.ItemId)));

    public static void Map(RouteGroupBuilder intelligence) =>
        intelligence.MapPost("/", Handle).AcceptsQuery().RequireAuthorization(Policies.Operate).WithSummary("Record intelligence received.");
}
