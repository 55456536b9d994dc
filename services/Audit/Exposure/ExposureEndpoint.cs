using System.Globalization;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.StoredEvents;
using AuditPlatform.Audit.Timeline;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Npgsql;

namespace AuditPlatform.Audit.Exposure;

public sealed record Holder(string Partner, DateTimeOffset? SharedAt, DateTimeOffset? AcknowledgedAt);

public sealed record DisclosureExposure(string DisclosureId, DateTimeOffset At, IReadOnlyList<Holder> Holders);

/// <summary><c>/audit/exposure</c>: who held a disclosure at a world time.</summary>
public static class ExposureEndpoint
{
    public static void MapExposure(this RouteGroupBuilder audit) =>
        audit.MapGet("/exposure/{disclosureId}", GetExposure).AcceptsQuery("at").WithSummary("Who held a disclosure at a given world time.");

    /// <summary>
    /// The partners that held a disclosure at world time <c>at</c> (default now), from everything recorded so far: its
    /// recipients, and when each acknowledged its handling notice.
    /// </summary>
    private static async Task<IResult> GetExposure(string disclosureId, string? at, [FromKeyedServices(LedgerRead.Key)] NpgsqlDataSource dataSource,
        [FromKeyedServices(LedgerRead.Key)] LedgerRows rows, TimeProvider clock, CancellationToken cancellationToken)
    {
        // Bound as text and parsed here, so a bad value is answered with the field at fault, not a bare 400.
        var errors = new Dictionary<string, string[]>();
        if (!Guid.TryParse(disclosureId, out var id))
        {
            errors["disclosureId"] = ["must be a UUID"];
        }

        var when = clock.GetUtcNow();
        if (!string.IsNullOrEmpty(at) && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out when))
        {
            errors["at"] = ["must be an RFC 3339 date-time"];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The query is not valid.", type: Problems.Type("validation"));
        }

        // Streams are keyed by the UUID's canonical text, whatever case the caller wrote it in.
        disclosureId = id.ToString();
        when = when.ToUniversalTime();
        var holders = new Dictionary<string, Holder>(StringComparer.Ordinal);
        var noticeHolders = new Dictionary<string, string>(StringComparer.Ordinal);
        await foreach (var e in DisclosureTrail.ReadAsync(dataSource, disclosureId, when, cancellationToken))
        {
            switch (StoredEventReaders.Read(e.Type, e.Data))
            {
                case DisclosureRecorded { Recipients: { } recipients }:
                    foreach (var partner in recipients.Select(r => r.Partner).OfType<string>())
                    {
                        holders[partner] = new Holder(partner, e.OccurredAt, null);
                    }

                    break;
                case NoticeCreated { Partner: { } noticePartner }:
                    noticeHolders[e.StreamKey] = noticePartner;
                    break;
                case NoticeAcknowledged when noticeHolders.TryGetValue(e.StreamKey, out var acknowledging) && holders.TryGetValue(acknowledging, out var holder):
                    holders[acknowledging] = holder with { AcknowledgedAt = holder.AcknowledgedAt ?? e.OccurredAt };
                    break;
            }
        }

        // Nobody held it then, or there is no such disclosure: only the first is an answer.
        if (await StreamQuery.NeverHeldAsync(rows, StreamKinds.Disclosure, disclosureId, holders.Count == 0, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        return TypedResults.Ok(new DisclosureExposure(disclosureId, when, holders.Values.OrderBy(h => h.Partner, StringComparer.Ordinal).ToList()));
    }
}
