using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Http;
using AuditPlatform.ServiceDefaults.Ledger;

namespace AuditPlatform.Audit.Export;

/// <summary><c>/audit/export</c>: the events of <c>/audit/events</c>' filters, streamed to the end as NDJSON or CSV.</summary>
public static class ExportEndpoint
{
    public static void MapExport(this RouteGroupBuilder audit) =>
        audit.MapGet("/export", Export).AcceptsQuery([.. EventQuery.FilterNames, "format"]).WithSummary("The filtered ledger streamed as NDJSON or CSV.");

    private static async Task<IResult> Export(HttpContext context, [FromKeyedServices(LedgerRead.Key)] LedgerRows rows, CancellationToken cancellationToken)
    {
        if (EventQuery.Parse(context.Request, out var filter, out var limit) is { } problem)
        {
            return problem;
        }

        var format = context.Request.Query["format"].ToString();
        if (format is not ("" or "ndjson" or "csv"))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["format"] = ["must be ndjson or csv"] }, type: Problems.Type("validation"));
        }

        // Written row by row into the response pipe with no document per event: each body is rewritten token by token
        // with camelCase names (as /audit/events gives it), and memory stays at one page of rows (1,000) however large the export.
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
                    Csv(e.Type), occurredAt is { } o ? LeafEncoding.Time(o) : string.Empty, LeafEncoding.Time(e.RecordedAt), Csv(EventBody.CamelCase(e.Body.Span))) + "\n");
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
                EventBody.WriteCamelCase(json, e.Body.Span);
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

    private static void WriteUtf8(PipeWriter body, string text)
    {
        var span = body.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        body.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private static string Csv(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
