using AuditPlatform.Intake.Ledger;
using AuditPlatform.ServiceDefaults.Ledger;
using JasperFx.Events;
using Marten.Events.Aggregation;

namespace AuditPlatform.Intake.Breaches;

/// <summary>A reported leak, with its exposure set and attribution.</summary>
public sealed record Breach
{
    public required string Id { get; init; }

    public required BreachReported Report { get; init; }

    public static string StreamFor(Guid id) => StreamKey.For(StreamKinds.Breach, id);
}

public static class BreachHistory
{
    /// <summary>The fold of a breach's one event.</summary>
    public static Breach? Evolve(Breach? state, BreachEvent change) =>
        change is BreachReported reported ? new Breach { Id = Breach.StreamFor(reported.BreachId), Report = reported } : state;
}

public sealed class BreachProjection : SingleStreamProjection<Breach, string>
{
    public BreachProjection()
    {
        IncludeType<BreachReported>();
    }

    public override Breach? Evolve(Breach? snapshot, string id, IEvent e) =>
        e.Data is BreachEvent change ? BreachHistory.Evolve(snapshot, change) : snapshot;
}
