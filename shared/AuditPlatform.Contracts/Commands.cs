namespace AuditPlatform.Contracts;

/// <summary>Share an item with partner agencies; each recipient gets its own fingerprint.</summary>
public sealed record RecordDisclosure
{
    /// <summary>Client id; repeating a command with the same id and body has one effect.</summary>
    public Guid? DisclosureId { get; init; }

    /// <summary>Code of the originating agency.</summary>
    public required string Originator { get; init; }

    /// <summary>Short title of the item.</summary>
    public required string Title { get; init; }

    /// <summary>One of <see cref="Classifications"/>.</summary>
    public required string Classification { get; init; }

    /// <summary>Handling caveats the recipients must honour.</summary>
    public IReadOnlyList<string> Caveats { get; init; } = [];

    /// <summary>Lower-case hex SHA-256 of the shared content.</summary>
    public required string ContentSha256 { get; init; }

    /// <summary>Partner codes of the recipients.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>Who shared it.</summary>
    public required string SharedBy { get; init; }

    /// <summary>When it was shared, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Report that a shared item (or a copy carrying a fingerprint) appeared where it should not.</summary>
public sealed record ReportBreach
{
    /// <summary>Client id; repeating a command with the same id and body has one effect.</summary>
    public Guid? BreachId { get; init; }

    /// <summary>The leaked disclosure, when known; one of this and <see cref="Fingerprint"/> is required.</summary>
    public Guid? DisclosureId { get; init; }

    /// <summary>A fingerprint seen in the leaked copy.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Where it appeared (an outlet, a site).</summary>
    public required string Outlet { get; init; }

    /// <summary>When it appeared, in the world.</summary>
    public required DateTimeOffset ObservedAt { get; init; }

    /// <summary>One of <see cref="Severities"/>.</summary>
    public required string Severity { get; init; }

    /// <summary>What was seen.</summary>
    public required string Description { get; init; }

    /// <summary>Who reported it.</summary>
    public required string ReportedBy { get; init; }
}

/// <summary>Record a partner's diplomatic response to a breach or case.</summary>
public sealed record RecordPartnerResponse
{
    /// <summary>Client id; repeating a command with the same id and body has one effect.</summary>
    public Guid? ResponseId { get; init; }

    /// <summary>Code of the responding partner.</summary>
    public required string Partner { get; init; }

    /// <summary>The breach answered, if any.</summary>
    public Guid? BreachId { get; init; }

    /// <summary>The escalation case answered, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>One of <see cref="ResponseKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>What the partner said.</summary>
    public required string Statement { get; init; }

    /// <summary>Who said it.</summary>
    public required string Respondent { get; init; }

    /// <summary>When it was said, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }

    /// <summary>For an assurance: until when it holds.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>For an assurance: the caveats and classifications it covers; absent means everything.</summary>
    public IReadOnlyList<string>? Scope { get; init; }
}

/// <summary>A partner acknowledges a notice it received.</summary>
public sealed record AcknowledgeNotice
{
    /// <summary>The notice acknowledged.</summary>
    public required Guid NoticeId { get; init; }

    /// <summary>Code of the acknowledging partner.</summary>
    public required string Partner { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public required string By { get; init; }

    /// <summary>When, in the world; defaults to when the platform receives it.</summary>
    public DateTimeOffset? OccurredAt { get; init; }
}

/// <summary>Halt sharing with a partner until further notice.</summary>
public sealed record SuspendSharing
{
    /// <summary>Code of the partner.</summary>
    public required string Partner { get; init; }

    /// <summary>Who decided.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>The escalation case that led to it, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>When, in the world; defaults to when the platform receives it.</summary>
    public DateTimeOffset? OccurredAt { get; init; }
}

/// <summary>Resume sharing with a suspended partner.</summary>
public sealed record RestoreSharing
{
    /// <summary>Code of the partner.</summary>
    public required string Partner { get; init; }

    /// <summary>Who decided.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>The escalation case that led to it, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>When, in the world; defaults to when the platform receives it.</summary>
    public DateTimeOffset? OccurredAt { get; init; }
}
