namespace AuditPlatform.Contracts;

/// <summary>
/// A command an integrator sent over the bus was refused. The refusing service publishes it; Notification puts it,
/// as this plain JSON, on the sender's queue <c>partner.&lt;code&gt;</c> (AMQP <c>type</c> <c>command-refused</c>).
/// It never carries the sender's token or the command's body.
/// </summary>
public sealed record CommandRefused
{
    /// <summary>The value of <c>kind</c> on every refusal notice, beside the notices' <c>handling</c> and <c>breach</c>.</summary>
    public const string NoticeKind = "command-refused";

    /// <summary>This notice; the same for every refusal of the same message, so a repeat can be dropped.</summary>
    public required Guid NoticeId { get; init; }

    /// <summary>Always <see cref="NoticeKind"/>.</summary>
    public string Kind { get; init; } = NoticeKind;

    /// <summary>The sender's partner code, from the token the command carried.</summary>
    public required string Partner { get; init; }

    /// <summary>The command's AMQP <c>message_id</c> as the sender gave it; absent when it had none.</summary>
    public string? MessageId { get; init; }

    /// <summary>The command's contract name, e.g. <c>RecordDisclosure</c>.</summary>
    public required string Command { get; init; }

    /// <summary>The problem type's slug, as over HTTP: <c>validation</c>, <c>forbidden</c>, <c>client-id-conflict</c>, <c>unknown-partner</c>, ...</summary>
    public required string Problem { get; init; }

    /// <summary>Why, in a sentence (the same text as the <c>_error</c> queue's <c>MT-Fault-Message</c>).</summary>
    public required string Reason { get; init; }

    /// <summary>Each field at fault (its JSON path in the command's camelCase names) and what it must be.</summary>
    public IReadOnlyDictionary<string, string[]> Errors { get; init; } = new Dictionary<string, string[]>();

    /// <summary>When the platform refused it.</summary>
    public required DateTimeOffset RefusedAt { get; init; }
}
