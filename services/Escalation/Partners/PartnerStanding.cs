namespace AuditPlatform.Escalation.Partners;

/// <summary>A broken assurance on a partner's record.</summary>
public sealed record BrokenAssurance(Guid ResponseId, Guid CaseId, Guid? BreachId, int AcceptedAtLevel, DateTimeOffset BrokenAt);

/// <summary>What operators see of a partner: its sharing status (as Intake reports it) and the assurances it broke.</summary>
public sealed record PartnerStanding
{
    public const string Active = "active";
    public const string Suspended = "suspended";

    public required string Id { get; init; }

    public string? Name { get; init; }

    public string? Country { get; init; }

    public string Sharing { get; init; } = Active;

    public DateTimeOffset? SuspendedAt { get; init; }

    public string? SuspensionReason { get; init; }

    public IReadOnlyList<BrokenAssurance> BrokenAssurances { get; init; } = [];

    public static PartnerStanding New(string code) => new() { Id = code };
}

/// <summary>An assurance a partner gave on a case, kept so that a later breach within its scope and term is seen to break it.</summary>
public sealed record Assurance
{
    public required Guid Id { get; init; }

    public required string Partner { get; init; }

    public required Guid CaseId { get; init; }

    public required int AcceptedAtLevel { get; init; }

    public DateTimeOffset? ValidUntil { get; init; }

    public IReadOnlyList<string>? Scope { get; init; }

    public required DateTimeOffset AcceptedAt { get; init; }
}
