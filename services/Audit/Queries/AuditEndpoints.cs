using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.Audit.Verification;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace AuditPlatform.Audit.Queries;

/// <summary>An event as <c>/audit/events</c> shows it.</summary>
public sealed record EventView(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset? OccurredAt, DateTimeOffset RecordedAt, JsonNode? Data)
{
    public static EventView From(LedgerEvent e)
    {
        var (kind, id) = StreamKey.Parse(e.StreamKey);
        return new EventView(e.Sequence, kind, id, e.Version, e.Type, e.OccurredAt, e.RecordedAt, TimelineFold.Body(e.Data));
    }
}

/// <summary>An event of an evidence pack: as <c>/audit/events</c>, plus the raw body, its leaf hash and its inclusion path.</summary>
public sealed record EvidenceEvent(long Sequence, string StreamKind, string StreamId, long Version, string Type, DateTimeOffset? OccurredAt,
    DateTimeOffset RecordedAt, JsonNode? Data, string RawData, string StreamKey, string LeafHash, IReadOnlyList<PathStep> Path);

public sealed record EventPage(IReadOnlyList<EventView> Events, string? Next);

/// <summary>A timeline: <c>asOf</c> bounds recorded time (what the ledger knew then), <c>until</c>, when given, world time.</summary>
public sealed record Timeline(string Kind, string Id, DateTimeOffset AsOf, DateTimeOffset? Until, JsonObject State, IReadOnlyList<EventView> Events);

/// <summary>A stream found by the compliance page's search: its kind, id, and a one-line summary of its first event.</summary>
public sealed record SearchHit(string Kind, string Id, string Summary);

public sealed record VerifyResult(bool Verified, long Checked, Failure? FirstFailure, SignedCheckpoint? Checkpoint);

/// <summary>An inclusion proof; <c>event</c> is the raw ledger row, so a client can recompute the leaf hash itself.</summary>
public sealed record Proof(long Sequence, string LeafHash, SignedCheckpoint Checkpoint, IReadOnlyList<PathStep> Path, LedgerEvent? Event);

public sealed record Consistency(long From, long To, long FromSize, long ToSize, string FromRoot, string ToRoot, IReadOnlyList<string> Path);

public sealed record EvidencePack(string Kind, string Id, DateTimeOffset AsOf, DateTimeOffset? Until, JsonObject State, SignedCheckpoint Checkpoint, IReadOnlyList<EvidenceEvent> Events, string LeafEncoding);

public sealed record Holder(string Partner, DateTimeOffset? SharedAt, DateTimeOffset? AcknowledgedAt);

public sealed record Exposure(string DisclosureId, DateTimeOffset At, IReadOnlyList<Holder> Holders);

public sealed record AccessEntry(DateTimeOffset At, string By, string Path);

/// <summary>The Audit API of docs/contract.md and docs/services/audit.md.</summary>
public static partial class AuditEndpoints
{
    public static void MapAuditEndpoints(this IEndpointRouteBuilder app)
    {
        var audit = app.MapGroup("/audit").RequireAuthorization(Policies.Comply).WithTags("Audit");
        audit.MapGet("/events", Events).AcceptsQuery(FilterNames).WithSummary("Ledger events by filter, paged by global sequence.");
        audit.MapGet("/export", Export).AcceptsQuery([.. FilterNames, "format"]).WithSummary("The filtered ledger streamed as NDJSON or CSV.");
        audit.MapGet("/timeline/{kind}/{id}", GetTimeline).AcceptsQuery("asOf", "until")
            .WithSummary("A stream's state and events as the ledger knew them at asOf (recorded time), up to until (world time).");
        audit.MapGet("/streams", FindStreams).AcceptsQuery("q", "kind").WithSummary("Partners, items, breaches and cases whose id or first event contains the text.");
        audit.MapGet("/exposure/{disclosureId}", GetExposure).AcceptsQuery("at").WithSummary("Who held a disclosure at a given world time.");
        audit.MapGet("/verify", Verify).AcceptsQuery("from", "to").WithSummary("Recomputes the chain from the raw ledger rows.");
        audit.MapGet("/checkpoints/latest", Latest).AcceptsQuery().WithSummary("The latest signed checkpoint.");
        audit.MapGet("/proof/{sequence:long}", GetProof).AcceptsQuery().WithSummary("An inclusion proof of an event in the latest checkpoint.");
        audit.MapGet("/consistency", GetConsistency).AcceptsQuery("from", "to").WithSummary("An RFC 6962 consistency proof between two checkpoints.");
        audit.MapGet("/evidence/{kind}/{id}", Evidence).AcceptsQuery("asOf", "until").WithSummary("A self-verifying evidence pack.");
        audit.MapGet("/access-log", Access).AcceptsQuery("by", "from", "to").RequireAuthorization(Policies.Administer).WithSummary("Who asked the Audit service what, and when.");
    }

    /// <summary>The filters of <c>/audit/events</c> and <c>/audit/export</c>.</summary>
    private static readonly string[] FilterNames = ["streamKind", "streamId", "partner", "type", "from", "to", "asOf", "after", "limit"];

    /// <summary>
    /// The filters of the query, each either applied or refused with its name: a stream id is unique only within its kind,
    /// so <c>streamId</c> needs <c>streamKind</c>. <paramref name="limit"/> is null when the query sets none.
    /// </summary>
    private static ValidationProblem? ParseFilter(HttpRequest request, out EventFilter filter, out int? limit)
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
        return errors.Any ? Invalid(errors) : null;
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,99}$")]
    private static partial Regex EventTypePattern();

    private static ValidationProblem Invalid(FieldErrors errors) =>
        TypedResults.ValidationProblem(errors.ToDictionary(), title: "The query is not valid.", type: Problems.Type("validation"));

    private static readonly string[] StreamKindsKnown =
        [StreamKinds.Partner, StreamKinds.Disclosure, StreamKinds.Breach, StreamKinds.Intelligence, StreamKinds.Notice, StreamKinds.Response, StreamKinds.Case, StreamKinds.Checkpoint];

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static async Task<IResult> Events(HttpRequest request, LedgerRows rows, CancellationToken cancellationToken)
    {
        if (ParseFilter(request, out var filter, out var limit) is { } problem)
        {
            return problem;
        }

        var page = limit ?? 100;
        var events = new List<EventView>();
        await foreach (var e in rows.ReadAsync(filter, page + 1, cancellationToken))
        {
            events.Add(EventView.From(e));
        }

        var next = events.Count > page ? events[page - 1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new EventPage(events.Take(page).ToList(), next));
    }

    private static async Task<IResult> Export(HttpContext context, LedgerRows rows, CancellationToken cancellationToken)
    {
        if (ParseFilter(context.Request, out var filter, out var limit) is { } problem)
        {
            return problem;
        }

        var format = context.Request.Query["format"].ToString();
        if (format is not ("" or "ndjson" or "csv"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["must be ndjson or csv"] }, type: Problems.Type("validation"));
        }

        // Written row by row into the response pipe with no document per event: the body goes out as the ledger
        // holds it, and memory stays at one page of rows (1,000) however large the export.
        var csv = format == "csv";
        context.Response.ContentType = csv ? "text/csv; charset=utf-8" : "application/x-ndjson";
        var body = context.Response.BodyWriter;
        using var json = new Utf8JsonWriter(body, new JsonWriterOptions { SkipValidation = true });
        if (csv)
        {
            body.Write("sequence,streamKind,streamId,version,type,occurredAt,recordedAt,data\n"u8);
        }

        var written = 0;
        // Without limit the export runs to the end of the ledger; with it, it stops there.
        await foreach (var e in rows.ReadAsync(filter, limit, cancellationToken))
        {
            var (kind, id) = StreamKey.Parse(e.StreamKey);
            var occurredAt = e.OccurredAt;
            if (csv)
            {
                WriteUtf8(body, string.Join(',', e.Sequence.ToString(CultureInfo.InvariantCulture), Csv(kind), Csv(id), e.Version.ToString(CultureInfo.InvariantCulture),
                    Csv(e.Type), occurredAt is { } o ? LeafEncoding.Time(o) : string.Empty, LeafEncoding.Time(e.RecordedAt), Csv(e.Data)) + "\n");
            }
            else
            {
                json.Reset();
                json.WriteStartObject();
                json.WriteNumber("sequence", e.Sequence);
                json.WriteString("streamKind", kind);
                json.WriteString("streamId", id);
                json.WriteNumber("version", e.Version);
                json.WriteString("type", e.Type);
                if (occurredAt is { } at)
                {
                    json.WriteString("occurredAt", at);
                }
                else
                {
                    json.WriteNull("occurredAt");
                }

                json.WriteString("recordedAt", e.RecordedAt);
                json.WritePropertyName("data");
                json.WriteRawValue(e.Data, skipInputValidation: true);
                json.WriteEndObject();
                json.Flush();
                body.Write("\n"u8);
            }

            if (++written % 1000 == 0)
            {
                await body.FlushAsync(cancellationToken);
            }
        }

        await body.FlushAsync(cancellationToken);
        return Results.Empty;
    }

    private static void WriteUtf8(System.IO.Pipelines.PipeWriter body, string text)
    {
        var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        body.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static string Csv(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<IResult> GetTimeline(string kind, string id, string? asOf, string? until, LedgerRows rows, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ParseStreamQuery(kind, asOf, until, out var recorded, out var world) is { } problem)
        {
            return problem;
        }

        var at = recorded ?? clock.GetUtcNow();
        var events = await StreamAsync(rows, kind, id, at, world, cancellationToken);
        return TypedResults.Ok(new Timeline(kind, id, at, world, TimelineFold.Fold(kind, events), events.Select(EventView.From).ToList()));
    }

    private static async Task<IResult> FindStreams(string? kind, string? q, LedgerRows rows, CancellationToken cancellationToken)
    {
        if (kind is not null && !TimelineFold.Kinds.Contains(kind))
        {
            return UnknownKind(kind);
        }

        var text = q?.Trim() ?? string.Empty;
        var errors = new FieldErrors();
        if (text.Length < 2)
        {
            errors.Add("q", "must hold at least two characters");
        }

        errors.Plain("q", text);
        if (errors.Any)
        {
            return Invalid(errors);
        }

        var found = await rows.FindStreamsAsync(kind, text, 20, cancellationToken);
        return TypedResults.Ok(new
        {
            streams = found.Select(f => StreamKey.Parse(f.Key)).Zip(found, (key, f) => new SearchHit(key.Kind, key.Id, TimelineFold.Summary(f.Summary)))
                .Where(f => TimelineFold.Kinds.Contains(f.Kind)).ToList(),
        });
    }

    /// <summary>
    /// The kind and the times of a timeline or an evidence pack. Times are bound as text and parsed here, so a bad one is
    /// answered with its name; times with an offset are the same instants in UTC (timestamptz parameters take UTC only).
    /// </summary>
    private static ValidationProblem? ParseStreamQuery(string kind, string? asOf, string? until, out DateTimeOffset? recorded, out DateTimeOffset? world)
    {
        var errors = new FieldErrors();
        (recorded, world) = (errors.Instant("asOf", asOf), errors.Instant("until", until));
        return !TimelineFold.Kinds.Contains(kind) ? UnknownKind(kind) : errors.Any ? Invalid(errors) : null;
    }

    private static ValidationProblem UnknownKind(string kind) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = [$"'{kind}' is not one of {string.Join(", ", TimelineFold.Kinds)}"] },
            title: "Unknown kind.", type: Problems.Type("validation"));

    private static async Task<List<LedgerEvent>> StreamAsync(LedgerRows rows, string kind, string id, DateTimeOffset asOf, DateTimeOffset? until, CancellationToken cancellationToken)
    {
        var events = new List<LedgerEvent>();
        await foreach (var e in rows.ReadAsync(new EventFilter(StreamKind: kind, StreamId: id, To: until, AsOf: asOf), null, cancellationToken))
        {
            events.Add(e);
        }

        return events;
    }

    /// <summary>
    /// The partners that held a disclosure at world time <c>at</c> (default now), from everything recorded so far: its
    /// recipients, and when each acknowledged its handling notice.
    /// </summary>
    private static async Task<IResult> GetExposure(string disclosureId, string? at, LedgerRows rows, TimeProvider clock, CancellationToken cancellationToken)
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
        await foreach (var e in rows.DisclosureTrailAsync(disclosureId, when, cancellationToken))
        {
            var body = TimelineFold.Body(e.Data) as JsonObject;
            switch (e.Type)
            {
                case "disclosure_recorded" when (body?["Recipients"] is JsonArray recipients):
                    foreach (var partner in recipients.Select(TimelineFold.Partner).OfType<string>())
                    {
                        holders[partner] = new Holder(partner, e.OccurredAt, null);
                    }

                    break;
                case "notice_created" when (body?["Partner"] is JsonValue partnerValue && partnerValue.TryGetValue<string>(out var noticePartner)):
                    noticeHolders[e.StreamKey] = noticePartner;
                    break;
                case "notice_acknowledged" when noticeHolders.TryGetValue(e.StreamKey, out var acknowledging) && holders.TryGetValue(acknowledging, out var holder):
                    holders[acknowledging] = holder with { AcknowledgedAt = holder.AcknowledgedAt ?? e.OccurredAt };
                    break;
            }
        }

        return TypedResults.Ok(new Exposure(disclosureId, when, holders.Values.OrderBy(h => h.Partner, StringComparer.Ordinal).ToList()));
    }

    private static async Task<IResult> Verify(string? from, string? to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var first = errors.WholeNumber("from", from, 0, long.MaxValue) ?? 1;
        var last = errors.WholeNumber("to", to, 0, long.MaxValue) ?? long.MaxValue;
        errors.Ordered("from", (long?)first, "to", (long?)last);
        if (errors.Any)
        {
            return Invalid(errors);
        }

        var (checkedCount, failure) = await Verifier.VerifyAsync(
            ChainStore.EntriesAsync(dataSource, first, last, cancellationToken), rows.RangeAsync(first, last, cancellationToken),
            (id, ct) => ChainStore.IsChainedAsync(dataSource, id, ct), cancellationToken);
        var checkpoint = await ChainStore.CheckpointAsync(dataSource, null, cancellationToken);
        return TypedResults.Ok(new VerifyResult(failure is null, checkedCount, failure, checkpoint?.Checkpoint));
    }

    private static async Task<IResult> Latest(NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is { } found
            ? TypedResults.Ok(found.Checkpoint)
            : Problems.NotFound("checkpoint", "latest");

    private static async Task<IResult> GetProof(long sequence, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        if (await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is not { } latest)
        {
            return Problems.NotFound("checkpoint", "latest");
        }

        var proof = await ProveAsync(dataSource, latest.Size, [sequence], cancellationToken);
        return proof.Count == 0
            ? Problems.NotFound("event in the latest checkpoint", sequence.ToString(CultureInfo.InvariantCulture))
            : TypedResults.Ok(new Proof(sequence, proof[0].LeafHash, latest.Checkpoint, proof[0].Path, await rows.FindAsync(sequence, cancellationToken)));
    }

    /// <summary>Inclusion paths in the tree over the first <paramref name="size"/> leaves, from the stored subtrees (a few hundred hashes, not the chain).</summary>
    private static async Task<List<(long Sequence, string LeafHash, IReadOnlyList<PathStep> Path)>> ProveAsync(
        NpgsqlDataSource dataSource, long size, IReadOnlyCollection<long> sequences, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var leaves = new List<(long Sequence, long Position, byte[] Leaf)>();
        await using (var command = new NpgsqlCommand("select sequence, position, leaf_hash from audit.chain where sequence = any($1) and position <= $2 order by position", connection))
        {
            command.Parameters.AddWithValue(sequences.ToArray());
            command.Parameters.AddWithValue(size);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                leaves.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetFieldValue<byte[]>(2)));
            }
        }

        var ranges = leaves.Select(l => MerkleRanges.InclusionRanges(l.Position - 1, size)).ToList();
        var roots = await TreeNodes.PerfectAsync(connection, ranges.SelectMany(r => r).SelectMany(r => MerkleRanges.Decompose(r.Start, r.Count)), cancellationToken);
        return leaves.Select((l, i) => (l.Sequence, Hex.Of(l.Leaf),
            (IReadOnlyList<PathStep>)ranges[i].Select(r => new PathStep(r.Side!, Hex.Of(MerkleRanges.RangeRoot(r, s => roots[s])))).ToList())).ToList();
    }

    private static async Task<IResult> GetConsistency(string? from, string? to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        var (older, newer) = (errors.WholeNumber("from", from, 0, long.MaxValue, required: true), errors.WholeNumber("to", to, 0, long.MaxValue, required: true));
        errors.Ordered("from", older, "to", newer);
        if (errors.Any)
        {
            return Invalid(errors);
        }

        return await ConsistencyAsync(older!.Value, newer!.Value, dataSource, rows, cancellationToken);
    }

    private static async Task<IResult> ConsistencyAsync(long from, long to, NpgsqlDataSource dataSource, LedgerRows rows, CancellationToken cancellationToken)
    {
        var older = await ChainStore.CheckpointAsync(dataSource, from, cancellationToken);
        var newer = await ChainStore.CheckpointAsync(dataSource, to, cancellationToken);
        if (older is null || newer is null)
        {
            return Problems.NotFound("checkpoint", (older is null ? from : to).ToString(CultureInfo.InvariantCulture));
        }

        // Leaves recomputed from the raw rows, streamed into one frontier per proof hash (bounded memory): a row
        // altered below the older checkpoint yields a proof that no longer verifies.
        var ranges = MerkleRanges.ConsistencyRanges(older.Value.Size, newer.Value.Size);
        var frontiers = ranges.Select(_ => new MerkleRanges.Frontier()).ToArray();
        long position = 0;
        await foreach (var e in rows.RangeAsync(1, to, cancellationToken))
        {
            for (var i = 0; i < ranges.Count; i++)
            {
                if (position >= ranges[i].Start && position < ranges[i].Start + ranges[i].Count)
                {
                    frontiers[i].Append(LeafEncoding.LeafHash(e));
                }
            }

            position++;
        }

        if (position < older.Value.Size)
        {
            return Problems.Refusal(StatusCodes.Status409Conflict, "ledger-shrank", "The ledger has fewer events than the older checkpoint covers.", "Run /audit/verify.");
        }

        return TypedResults.Ok(new Consistency(from, to, older.Value.Size, newer.Value.Size, older.Value.Checkpoint.Root, newer.Value.Checkpoint.Root,
            frontiers.Select(f => Hex.Of(f.Root())).ToList()));
    }

    private static async Task<IResult> Evidence(string kind, string id, string? asOf, string? until, LedgerRows rows, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ParseStreamQuery(kind, asOf, until, out var recorded, out var world) is { } problem)
        {
            return problem;
        }

        if (await ChainStore.CheckpointAsync(dataSource, null, cancellationToken) is not { } latest)
        {
            return Problems.NotFound("checkpoint", "latest");
        }

        var at = recorded ?? clock.GetUtcNow();
        var events = (await StreamAsync(rows, kind, id, at, world, cancellationToken)).Where(e => e.Sequence <= latest.Checkpoint.Sequence).ToList();
        var proofs = await ProveAsync(dataSource, latest.Size, events.Select(e => e.Sequence).ToList(), cancellationToken);
        var bySequence = proofs.ToDictionary(p => p.Sequence);
        var packed = events.Where(e => bySequence.ContainsKey(e.Sequence)).Select(e =>
        {
            var v = EventView.From(e);
            var p = bySequence[e.Sequence];
            return new EvidenceEvent(v.Sequence, v.StreamKind, v.StreamId, v.Version, v.Type, v.OccurredAt, v.RecordedAt, v.Data, e.Data, e.StreamKey, p.LeafHash, p.Path);
        }).ToList();
        return TypedResults.Ok(new EvidencePack(kind, id, at, world, TimelineFold.Fold(kind, events), latest.Checkpoint, packed, LeafEncoding.Name));
    }

    private static async Task<IResult> Access(string? by, string? from, string? to, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new FieldErrors();
        errors.Plain("by", by);
        var (since, until) = (errors.Instant("from", from), errors.Instant("to", to));
        errors.Ordered("from", since, "to", until);
        if (errors.Any)
        {
            return Invalid(errors);
        }
        await using var command = dataSource.CreateCommand(
            "select at, by, path from audit.access_log where ($1::text is null or by = $1) and ($2::timestamptz is null or at >= $2) " +
            "and ($3::timestamptz is null or at <= $3) order by id desc limit 1000");
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text, Value = (object?)by ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)since ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz, Value = (object?)until ?? DBNull.Value });
        var entries = new List<AccessEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AccessEntry(reader.GetFieldValue<DateTimeOffset>(0), reader.GetString(1), reader.GetString(2)));
        }

        return TypedResults.Ok(new { entries });
    }
}
