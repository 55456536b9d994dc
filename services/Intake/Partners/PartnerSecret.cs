namespace AuditPlatform.Intake.Partners;

/// <summary>
/// A partner's webhook signing secret. It lives in Intake's own schema, never in the ledger (which only
/// records its SHA-256), and reaches Notification inside the forwarded PartnerRegistered message.
/// </summary>
public sealed class PartnerSecret
{
    public required string Id { get; set; }

    public required string Secret { get; set; }
}
