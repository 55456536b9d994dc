using System.Text.RegularExpressions;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AuditPlatform.Audit.Events;

/// <summary>The filters of <c>/audit/events</c> and <c>/audit/export</c>, which ask the same question and answer it in two shapes.</summary>
internal static partial class EventQuery
{
    public static readonly string[] FilterNames = ["streamKind", "streamId", "partner", "type", "from", "to", "asOf", "after", "limit"];

    private static readonly string[] StreamKindsKnown =
        [StreamKinds.Partner, StreamKinds.Disclosure, StreamKinds.Breach, StreamKinds.Intelligence, StreamKinds.Notice, StreamKinds.Response, StreamKinds.Case, StreamKinds.Checkpoint];

    /// <summary>
    /// The filters of the query, each either applied or refused with its name: a stream id is unique only within its kind,
    /// so <c>streamId</c> needs <c>streamKind</c>. <paramref name="limit"/> is null when the query sets none.
    /// </summary>
    public static ValidationProblem? Parse(HttpRequest request, out EventFilter filter, out int? limit)
    {
        var q = request.Query;
        var errors = new FieldErrors();
        var kind = NullIfEmpty(q["streamKind"]);
        var streamId = NullIfEmpty(q["streamId"]);
        var partner = NullIfEmpty(q["partner"]);
        var after = errors.WholeNumber("after", q["after"], 0, long.MaxValue) ?? 0;
        limit = (int?)errors.WholeNumber("limit", q["limit"], 1, 1000);
        errors.OneOf("streamKind", kind, StreamKindsKnown, required: false);
        if (streamId is not null && kind is null)
        {
            errors.Add("streamKind", "is required with streamId: a stream id is unique only within its kind.");
        }

        errors.Plain("streamId", streamId);
        errors.PartnerCode("partner", partner, required: false);
        var type = NullIfEmpty(q["type"]);
        if (type is not null && !EventTypePattern().IsMatch(type))
        {
            errors.Add("type", "must be a stored event type name: lower-case letters, digits and '_', e.g. sharing_suspended.");
        }
        var (from, to, asOf) = (errors.Instant("from", q["from"]), errors.Instant("to", q["to"]), errors.Instant("asOf", q["asOf"]));
        errors.Ordered("from", from, "to", to);
        filter = new EventFilter(kind, streamId, partner, type, from, to, asOf, after);
        return errors.Any ? AuditEndpoints.Invalid(errors) : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,99}$")]
    private static partial Regex EventTypePattern();

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
