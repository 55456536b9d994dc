namespace AuditPlatform.Contracts;

/// <summary>One recipient of a disclosure and the fingerprint embedded in its copy.</summary>
public sealed record RecipientFingerprint
{
    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>Lower-case hex fingerprint unique to this partner's copy.</summary>
    public required string Fingerprint { get; init; }
}

/// <summary>A partner was registered or its details or channel changed.</summary>
public sealed record PartnerRegistered
{
    /// <summary>Partner code, e.g. <c>US-DHS</c>.</summary>
    public required string Code { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Country.</summary>
    public required string Country { get; init; }

    /// <summary>One of <see cref="ChannelKinds"/>.</summary>
    public required string ChannelKind { get; init; }

    /// <summary>Where webhook notices go, for the webhook channel (its signing secret is never on the bus).</summary>
    public Uri? WebhookUrl { get; init; }

    /// <summary>When, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>An item was shared with partners.</summary>
public sealed record DisclosureRecorded
{
    /// <summary>The disclosure.</summary>
    public required Guid DisclosureId { get; init; }

    /// <summary>Code of the originating agency.</summary>
    public required string Originator { get; init; }

    /// <summary>Short title.</summary>
    public required string Title { get; init; }

    /// <summary>One of <see cref="Classifications"/>.</summary>
    public required string Classification { get; init; }

    /// <summary>Handling caveats.</summary>
    public required IReadOnlyList<string> Caveats { get; init; }

    /// <summary>Each recipient with its fingerprint.</summary>
    public required IReadOnlyList<RecipientFingerprint> Recipients { get; init; }

    /// <summary>Who shared it.</summary>
    public required string SharedBy { get; init; }

    /// <summary>When it was shared, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A disclosure was refused because a recipient's sharing is suspended; nothing was shared.</summary>
public sealed record SharingBlocked
{
    /// <summary>The refused disclosure's id.</summary>
    public required Guid DisclosureId { get; init; }

    /// <summary>Code of the originating agency.</summary>
    public required string Originator { get; init; }

    /// <summary>Title of the refused item.</summary>
    public required string Title { get; init; }

    /// <summary>Every recipient asked for.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }

    /// <summary>Classification of the refused item (one of <see cref="Classifications"/>); absent from refusals recorded before 6 December 2026.</summary>
    public string? Classification { get; init; }

    /// <summary>Caveats of the refused item; absent from refusals recorded before 6 December 2026.</summary>
    public IReadOnlyList<string>? Caveats { get; init; }

    /// <summary>The suspended recipients that caused the refusal.</summary>
    public required IReadOnlyList<string> SuspendedPartners { get; init; }

    /// <summary>Who tried to share it.</summary>
    public required string SharedBy { get; init; }

    /// <summary>When the attempt was made, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A leak of a shared item was reported, with its exposure set and attribution.</summary>
public sealed record BreachReported
{
    /// <summary>The breach.</summary>
    public required Guid BreachId { get; init; }

    /// <summary>The leaked disclosure.</summary>
    public required Guid DisclosureId { get; init; }

    /// <summary>The fingerprint seen in the leaked copy, if any.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Where it appeared.</summary>
    public required string Outlet { get; init; }

    /// <summary>When it appeared, in the world.</summary>
    public required DateTimeOffset ObservedAt { get; init; }

    /// <summary>One of <see cref="Severities"/>.</summary>
    public required string Severity { get; init; }

    /// <summary>What was seen.</summary>
    public required string Description { get; init; }

    /// <summary>Who reported it.</summary>
    public required string ReportedBy { get; init; }

    /// <summary>Partners that held the item at <see cref="ObservedAt"/>.</summary>
    public required IReadOnlyList<string> ExposureSet { get; init; }

    /// <summary>The partner whose fingerprint was in the leaked copy, if any.</summary>
    public string? AttributedPartner { get; init; }

    /// <summary>Classification of the leaked item.</summary>
    public required string Classification { get; init; }

    /// <summary>Caveats of the leaked item.</summary>
    public required IReadOnlyList<string> Caveats { get; init; }

    /// <summary>When the report was made, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A notice was delivered to a partner over its channel.</summary>
public sealed record PartnerNotified
{
    /// <summary>The notice.</summary>
    public required Guid NoticeId { get; init; }

    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>One of <see cref="NoticeKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The disclosure concerned.</summary>
    public required Guid DisclosureId { get; init; }

    /// <summary>The breach concerned, for a breach notice.</summary>
    public Guid? BreachId { get; init; }

    /// <summary>One of <see cref="ChannelKinds"/>.</summary>
    public required string Channel { get; init; }

    /// <summary>The partner's fingerprint, for a handling notice.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>When it was delivered.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A partner acknowledged a notice.</summary>
public sealed record NoticeAcknowledged
{
    /// <summary>The notice.</summary>
    public required Guid NoticeId { get; init; }

    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>Who acknowledged it.</summary>
    public required string By { get; init; }

    /// <summary>When, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A partner's diplomatic response was recorded.</summary>
public sealed record DiplomaticResponseRecorded
{
    /// <summary>The response.</summary>
    public required Guid ResponseId { get; init; }

    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>The breach answered, if any.</summary>
    public Guid? BreachId { get; init; }

    /// <summary>The case answered, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>One of <see cref="ResponseKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>What the partner said.</summary>
    public required string Statement { get; init; }

    /// <summary>Who said it.</summary>
    public required string Respondent { get; init; }

    /// <summary>For an assurance: until when it holds.</summary>
    public DateTimeOffset? ValidUntil { get; init; }

    /// <summary>For an assurance: caveats and classifications covered; absent means everything.</summary>
    public IReadOnlyList<string>? Scope { get; init; }

    /// <summary>When it was said, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>An escalation case was opened.</summary>
public sealed record EscalationOpened
{
    /// <summary>The case.</summary>
    public required Guid CaseId { get; init; }

    /// <summary>One of <see cref="CaseKinds"/>.</summary>
    public required string Kind { get; init; }

    /// <summary>The breach, for a breach case.</summary>
    public Guid? BreachId { get; init; }

    /// <summary>The intelligence item, for a handling-delay case.</summary>
    public Guid? ItemId { get; init; }

    /// <summary>Partners the case is about.</summary>
    public required IReadOnlyList<string> Partners { get; init; }

    /// <summary>Starting level.</summary>
    public required int Level { get; init; }

    /// <summary>Name of the starting level.</summary>
    public required string LevelName { get; init; }

    /// <summary>When a response is due at this level.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Whether the breach broke an assurance in force.</summary>
    public bool AssuranceBroken { get; init; }

    /// <summary>The response id of the broken assurance.</summary>
    public Guid? BrokenAssuranceId { get; init; }

    /// <summary>When it was opened.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>An escalation case moved up the ladder.</summary>
public sealed record EscalationRaised
{
    /// <summary>The case.</summary>
    public required Guid CaseId { get; init; }

    /// <summary>Previous level.</summary>
    public required int FromLevel { get; init; }

    /// <summary>New level.</summary>
    public required int Level { get; init; }

    /// <summary>Name of the new level.</summary>
    public required string LevelName { get; init; }

    /// <summary>When a response is due at the new level.</summary>
    public DateTimeOffset? Deadline { get; init; }

    /// <summary>Who raised it (<c>policy</c> when a deadline passed).</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>An escalation case was resolved.</summary>
public sealed record EscalationResolved
{
    /// <summary>The case.</summary>
    public required Guid CaseId { get; init; }

    /// <summary>Who resolved it.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>Whether sharing with the case's partners is to be restored.</summary>
    public required bool RestoreSharing { get; init; }

    /// <summary>When.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Sharing with a partner was suspended.</summary>
public sealed record SharingSuspended
{
    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>Who decided.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>The case that led to it, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>When, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>Sharing with a partner was restored.</summary>
public sealed record SharingRestored
{
    /// <summary>Partner code.</summary>
    public required string Partner { get; init; }

    /// <summary>Who decided.</summary>
    public required string By { get; init; }

    /// <summary>Why.</summary>
    public required string Reason { get; init; }

    /// <summary>The case that led to it, if any.</summary>
    public Guid? CaseId { get; init; }

    /// <summary>When, in the world.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>A pressing intelligence item was not written up by its deadline.</summary>
public sealed record HandlingDeadlineMissed
{
    /// <summary>The intelligence item.</summary>
    public required Guid ItemId { get; init; }

    /// <summary>Where it came from.</summary>
    public required string Source { get; init; }

    /// <summary>When it was assessed as a pressing concern.</summary>
    public required DateTimeOffset AssessedAt { get; init; }

    /// <summary>When the report was due.</summary>
    public required DateTimeOffset Deadline { get; init; }

    /// <summary>When the report was in the end written, if it was (late).</summary>
    public DateTimeOffset? ReportedAt { get; init; }

    /// <summary>When the miss was recorded.</summary>
    public required DateTimeOffset OccurredAt { get; init; }
}

/// <summary>The Audit service signed a checkpoint of the ledger.</summary>
public sealed record CheckpointSigned
{
    /// <summary>Events 1..Sequence are covered.</summary>
    public required long Sequence { get; init; }

    /// <summary>Lower-case hex RFC 6962 Merkle root.</summary>
    public required string Root { get; init; }

    /// <summary>When it was signed.</summary>
    public required DateTimeOffset SignedAt { get; init; }

    /// <summary>Base64 DER ECDSA P-256 signature of the older statement; where the checkpoint carries a note, verify the note instead.</summary>
    public required string Signature { get; init; }

    /// <summary>Base64 SubjectPublicKeyInfo.</summary>
    public required string PublicKey { get; init; }

    /// <summary>The checkpoint as a C2SP signed note (tlog-checkpoint text, Ed25519 signature line); absent on older checkpoints, signed before notes.</summary>
    public string? Note { get; init; }

    /// <summary>The note's verifier key (name+hex key ID+base64 of 0x01 and the Ed25519 public key); absent on older checkpoints, signed before notes.</summary>
    public string? VerifierKey { get; init; }
}
