using System.Text.Json;

namespace AuditPlatform.FaultBattery;

/// <summary>
/// Messages no service can accept, published among the load with the sender's token: malformed JSON, wrong types,
/// and an oversize field. Each must end in its queue's <c>_error</c> queue with MassTransit's reason header.
/// </summary>
public sealed class PoisonBatch(BusLink bus, string token)
{
    private readonly Dictionary<Guid, string> sent = [];

    private static readonly (string Name, string Contract, string Queue, Func<string> Body)[] Kinds =
    [
        ("malformed JSON", "RecordDisclosure", "intake-record-disclosure_error", () => "{ \"originator\": \"FB-X\", \"title\": "),
        ("wrong types", "RecordDisclosure", "intake-record-disclosure_error",
            () => JsonSerializer.Serialize(new { originator = 42, recipients = "everyone", occurredAt = true })),
        ("oversize field (1 MB title)", "RecordDisclosure", "intake-record-disclosure_error",
            () => Load.Disclosure(Guid.NewGuid(), "FB-X", ["FB-Y"], DateTimeOffset.UtcNow).ToJsonString().Replace("\"title\":\"", "\"title\":\"" + new string('x', 1 << 20), StringComparison.Ordinal)),
        ("wrong types", "ReportBreach", "intake-report-breach_error", () => JsonSerializer.Serialize(new { disclosureId = "not-a-uuid", severity = 7 })),
        ("malformed JSON", "RecordPartnerResponse", "notification-record-partner-response_error", () => "[[[["),
    ];

    public async Task SendAsync()
    {
        foreach (var (name, contract, _, body) in Kinds)
        {
            for (var i = 0; i < 2; i++)
            {
                var id = Guid.NewGuid();
                var refusal = await bus.PublishAsync(contract, body(), id, token, DateTimeOffset.UtcNow.AddSeconds(30));
                if (refusal is null)
                {
                    sent[id] = $"{name} → {contract}";
                }
            }
        }
    }

    /// <summary>A one-line account; it starts with FAIL when a poison message is not in an error queue with a reason.</summary>
    public async Task<string?> CheckAsync()
    {
        var queues = Kinds.Select(k => k.Queue).Distinct().ToList();
        var found = new Dictionary<Guid, string>();
        for (var attempt = 0; attempt < 30 && found.Count < sent.Count; attempt++)
        {
            foreach (var (id, reason) in await Reconciliation.CollectPoisonAsync(bus, queues, sent.Keys.ToHashSet()))
            {
                found[id] = reason;
            }

            if (found.Count < sent.Count)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }

        var missing = sent.Keys.Where(id => !found.ContainsKey(id)).ToList();
        var reasonless = found.Where(f => string.IsNullOrWhiteSpace(f.Value)).ToList();
        var examples = found.Take(3).Select(f => $"{sent[f.Key]}: \"{Shorten(f.Value)}\"");
        var account = $"{found.Count} of {sent.Count} poison messages in {string.Join(", ", queues)} with a reason (MT-Fault-Message), e.g. {string.Join("; ", examples)}";
        return missing.Count > 0 || reasonless.Count > 0 || sent.Count == 0
            ? $"FAIL {account}; not found: {string.Join(", ", missing.Select(m => sent[m]))}; without a reason: {reasonless.Count}"
            : account;
    }

    private static string Shorten(string reason) => reason.Length <= 90 ? reason : reason[..90] + "…";
}
