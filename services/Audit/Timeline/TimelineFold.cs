using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.StoredEvents;

namespace AuditPlatform.Audit.Timeline;

/// <summary>
/// The state of a stream as the ledger knew it: every body's fields (camelCase) merged in order (later values win), plus
/// <c>lastEvent</c>, <c>version</c> and, per kind, a status (a partner's <c>sharing</c>: active or suspended).
/// </summary>
public static class TimelineFold
{
    public static readonly string[] Kinds = ["partner", "disclosure", "breach", "case", "intelligence"];

    public static JsonObject Fold(string kind, IEnumerable<LedgerEvent> events)
    {
        var state = new JsonObject();
        foreach (var e in events)
        {
            // camelCase at every depth, like the events themselves (a recipient is {"partner", "fingerprint"}).
            if (EventBody.CamelCaseNode(e.Body.Span) is JsonObject body)
            {
                foreach (var (name, value) in body)
                {
                    state[name] = value?.DeepClone();
                }
            }

            state["lastEvent"] = e.Type;
            state["version"] = e.Version;
            if (kind == "partner")
            {
                state["sharing"] = e.Type switch
                {
                    SharingSuspended.StoredName => "suspended",
                    SharingRestored.StoredName or PartnerRegistered.StoredName => "active",
                    _ => state["sharing"]?.GetValue<string>() ?? "active",
                };
            }
            else
            {
                state["status"] = e.Type;
            }
        }

        return state;
    }

    public static JsonNode? Body(string data) => JsonNode.Parse(data);
}
