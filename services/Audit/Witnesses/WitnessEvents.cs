namespace AuditPlatform.Audit.Witnesses;

/// <summary>A witness the Audit service sends its checkpoints to (setting <c>Audit:Witnesses:&lt;n&gt;</c>).</summary>
public sealed class WitnessEndpoint
{
    /// <summary>The witness's key name, the name on its cosignature lines.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>The witness's submission prefix: <c>add-checkpoint</c> is posted to <c>&lt;Url&gt;/add-checkpoint</c>.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Its cosignature verifier key (<c>&lt;name&gt;+&lt;key ID&gt;+&lt;base64(0x04 ‖ key)&gt;</c>), as <c>witness keygen</c> printed it.</summary>
    public string VerifierKey { get; set; } = string.Empty;

    /// <summary>The partner agency that runs it, when one does (shown beside it; not checked).</summary>
    public string? Partner { get; set; }
}

/// <summary>
/// Stored event: a witness cosigned a checkpoint (ledger name <c>checkpoint_cosigned</c>, on the checkpoint's stream).
/// <c>Cosignature</c> is the tlog-cosignature line; appended to the checkpoint's note it verifies with the witness's key.
/// </summary>
public sealed record CheckpointCosigned(long Sequence, long Size, string Witness, string Cosignature, DateTimeOffset CosignedAt, DateTimeOffset OccurredAt);

/// <summary>
/// Stored event: a witness refused a checkpoint (ledger name <c>witness_refused</c>, on the checkpoint's stream): the
/// HTTP status it answered and its reason. A 409 with another root for a size it cosigned, or a 422 (the consistency
/// proof does not verify), means the witness holds a different history than this log shows now: a fork.
/// </summary>
public sealed record WitnessRefused(long Sequence, long Size, string Witness, int Status, string Reason, bool Fork, DateTimeOffset OccurredAt);
