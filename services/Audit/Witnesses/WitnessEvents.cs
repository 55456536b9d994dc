using AuditPlatform.Audit.Chain;
using AuditPlatform.ServiceDefaults.Http;

namespace AuditPlatform.Audit.Witnesses;

/// <summary>A witness the Audit service sends its checkpoints to (setting <c>Audit:Witnesses:&lt;n&gt;</c>).</summary>
public sealed class WitnessEndpoint
{
    public const string Http = "http";
    public const string Bus = "bus";

    /// <summary>The witness's key name, the name on its cosignature lines.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>How requests reach it: <c>http</c> (the default) to <see cref="Url"/>, or <c>bus</c> on the queue <c>witness.&lt;Partner&gt;</c>.</summary>
    public string Transport { get; set; } = Http;

    /// <summary>Over HTTP, the witness's submission prefix: <c>add-checkpoint</c> is posted to <c>&lt;Url&gt;/add-checkpoint</c>.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Over the bus, the broker user the witness answers as (default <c>partner-&lt;Partner&gt;</c>); answers from any other are ignored.</summary>
    public string? BusUser { get; set; }

    /// <summary>Its cosignature verifier key (<c>&lt;name&gt;+&lt;key ID&gt;+&lt;base64(0x04 ‖ key)&gt;</c>), as <c>witness keygen</c> printed it.</summary>
    public string VerifierKey { get; set; } = string.Empty;

    /// <summary>The partner agency that runs it: shown beside it, and over the bus the code its queue is named by.</summary>
    public string? Partner { get; set; }

    public bool OverBus => string.Equals(Transport, Bus, StringComparison.OrdinalIgnoreCase);

    public string ExpectedBusUser => BusUser ?? "partner-" + Partner;

    /// <summary>What is wrong with the setting <c>Audit:Witnesses:&lt;index&gt;</c>, one sentence a problem, naming the key.</summary>
    public IEnumerable<string> Problems(int index)
    {
        var at = $"Audit:Witnesses:{index}";
        if (!CheckpointNote.IsKeyName(Name))
        {
            yield return $"{at}:Name must be the witness's key name: non-empty, with no space, '+' or control character.";
        }

        if (!Cosignature.IsVerifierKey(VerifierKey) || !VerifierKey.StartsWith(Name + "+", StringComparison.Ordinal))
        {
            yield return $"{at}:VerifierKey must be the witness's cosignature verifier key ({Name}+<8 hex digits>+<base64 key>), as 'witness keygen' printed it.";
        }

        if (OverBus)
        {
            if (Partner is null || !FieldErrors.PartnerCodePattern().IsMatch(Partner))
            {
                yield return $"{at}:Partner must be the partner's code (2 to 32 upper-case letters, digits and '-') when Transport is bus: it names the queue witness.<Partner>.";
            }
        }
        else if (!string.Equals(Transport, Http, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{at}:Transport must be 'http' or 'bus'.";
        }
        else if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            yield return $"{at}:Url must be the witness's http(s) address.";
        }
    }
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
