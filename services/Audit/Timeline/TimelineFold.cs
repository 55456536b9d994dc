using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.Audit.Timeline;

/// <summary>
/// The state of a stream as the ledger knew it: every body's fields merged in order (later values win), plus
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
            if (JsonNode.Parse(e.Data) is JsonObject body)
            {
                foreach (var (name, value) in body)
                {
                    state[Camel(name)] = value?.DeepClone();
                }
            }

            state["lastEvent"] = e.Type;
            state["version"] = e.Version;
            if (kind == "partner")
            {
                state["sharing"] = e.Type switch
                {
                    "sharing_suspended" => "suspended",
                    "sharing_restored" or "partner_registered" => "active",
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

    /// <summary>A recipient's partner code: recipients are stored as <c>{ Partner, Fingerprint }</c> (older bodies: a bare code).</summary>
    public static string? Partner(JsonNode? recipient) => recipient switch
    {
        JsonObject o when o["Partner"] is JsonValue v && v.TryGetValue<string>(out var code) => code,
        JsonValue v when v.TryGetValue<string>(out var code) => code,
        _ => null,
    };

    /// <summary>One line naming a stream by its first event: its title, name, outlet, summary or source.</summary>
    public static string Summary(string data)
    {
        if (Body(data) is not JsonObject body)
        {
            return string.Empty;
        }

        foreach (var field in (string[])["Title", "Name", "Outlet", "Summary", "Source"])
        {
            if (body[field] is JsonValue value && value.TryGetValue<string>(out var text))
            {
                return text;
            }
        }

        return string.Empty;
    }

    private static string Camel(string name) => JsonNamingPolicy.CamelCase.ConvertName(name);
}
