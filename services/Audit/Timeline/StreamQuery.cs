using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.Audit.Timeline;

/// <summary>One stream as the ledger knew it at a time: what a timeline shows and an evidence pack proves.</summary>
internal static class StreamQuery
{
    /// <summary>
    /// The kind and the times of a timeline or an evidence pack. Times are bound as text and parsed here, so a bad one is
    /// answered with its name; times with an offset are the same instants in UTC (timestamptz parameters take UTC only).
    /// </summary>
    public static ValidationProblem? Parse(string kind, string? asOf, string? until, out DateTimeOffset? recorded, out DateTimeOffset? world)
    {
        var errors = new FieldErrors();
        (recorded, world) = (errors.Instant("asOf", asOf), errors.Instant("until", until));
        return !TimelineFold.Kinds.Contains(kind) ? UnknownKind(kind) : errors.Any ? AuditEndpoints.Invalid(errors) : null;
    }

    public static ValidationProblem UnknownKind(string kind) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = [$"'{kind}' is not one of {string.Join(", ", TimelineFold.Kinds)}"] },
            title: "Unknown kind.", type: Problems.Type("validation"));

    public static async Task<List<LedgerEvent>> StreamAsync(LedgerRows rows, string kind, string id, DateTimeOffset asOf, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var events = new List<LedgerEvent>();
        await foreach (var e in rows.ReadAsync(new EventFilter(StreamKind: kind, StreamId: id, To: until, AsOf: asOf), null, cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>
    /// 404 <c>not-found</c> when an answer about a stream is empty because the ledger has never held the stream (a
    /// mistyped id, say), else null: an empty answer about a stream recorded later is what the ledger knew then.
    /// </summary>
    public static async Task<ProblemHttpResult?> NeverHeldAsync(LedgerRows rows, string kind, string id, bool empty, CancellationToken cancellationToken) =>
        empty && !await rows.HoldsStreamAsync(StreamKey.For(kind, id), cancellationToken) ? Problems.NotFound(kind, id) : null;
}
