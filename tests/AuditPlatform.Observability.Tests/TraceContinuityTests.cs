using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Telemetry;
using AuditPlatform.Testing;
using Npgsql;

namespace AuditPlatform.Observability.Tests;

/// <summary>
/// One story, one trace: the W3C context travels from the HTTP request into the ledger event's headers, through
/// the forwarder onto the bus, into the consuming service and its own ledger append.
/// </summary>
public sealed class TraceContinuityTests(PlatformTraceFixture fixture) : IClassFixture<PlatformTraceFixture>
{
    [Fact]
    public async Task A_disclosure_and_its_notice_share_one_trace()
    {
        await RegisterAsync("US-FBI");
        var response = await fixture.Operator.PostAsJsonAsync("/disclosures", Disclosure("US-FBI"));
        response.EnsureSuccessStatusCode();

        var request = await ServerSpanAsync("/disclosures");
        var trace = request.TraceId;

        // Intake's request → its ledger append → the forwarder → Notification's consumer → Notification's own
        // append (notice_created, internal) → the delivery worker → partner_notified forwarded onto the bus.
        await WaitForwardedAsync(trace, "partner_notified");
        var spans = InTrace(trace);
        Assert.Contains(spans, s => s.Source.Name == PlatformTelemetry.Name && s.Kind == ActivityKind.Producer && s.DisplayName == "ledger forward disclosure_recorded");
        Assert.Contains(spans, s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer && Mentions(s, "notification"));
        Assert.Contains(spans, s => s.Source.Name == PlatformTelemetry.Name && s.DisplayName == "notice deliver");

        var recorded = await TraceParentsAsync("notice_created", "US-FBI");
        var notice = Assert.Single(recorded);
        Assert.Equal(trace, ActivityContext.Parse(notice, null).TraceId);
    }

    [Fact]
    public async Task A_critical_breach_its_case_and_the_suspension_share_one_trace()
    {
        await RegisterAsync("US-DHS");
        var shared = await fixture.Operator.PostAsJsonAsync("/disclosures", Disclosure("US-DHS"));
        shared.EnsureSuccessStatusCode();
        var body = await shared.Content.ReadFromJsonAsync<JsonElement>();
        var breach = await fixture.Operator.PostAsJsonAsync("/breaches", new
        {
            fingerprint = body.GetProperty("fingerprints").GetProperty("US-DHS").GetString(),
            outlet = "The Daily Example",
            observedAt = "2026-11-22T18:00:00Z",
            severity = "critical",
            description = "Photographs printed on the front page",
            reportedBy = "press office",
        });
        breach.EnsureSuccessStatusCode();

        var request = await ServerSpanAsync("/breaches");
        var trace = request.TraceId;
        await WaitForwardedAsync(trace, "sharing_suspended");

        var forwarded = InTrace(trace).Where(s => s.Source.Name == PlatformTelemetry.Name).Select(s => s.DisplayName).ToHashSet();
        Assert.Contains("ledger forward breach_reported", forwarded);
        Assert.Contains("ledger forward case_opened", forwarded);
        Assert.Contains("ledger forward sharing_suspension_requested", forwarded);
        Assert.Contains(InTrace(trace), s => s.Source.Name == "MassTransit" && s.Kind == ActivityKind.Consumer && Mentions(s, "escalation"));
    }

    /// <summary>The traceparent headers the ledger holds for one event type and partner, as committed.</summary>
    private async Task<IReadOnlyList<string>> TraceParentsAsync(string eventType, string partner)
    {
        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select headers->>'traceparent' from ledger.mt_events where type = $1 and data->>'Partner' = $2 order by seq_id", connection);
        command.Parameters.AddWithValue(eventType);
        command.Parameters.AddWithValue(partner);
        var found = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found.Add(reader.IsDBNull(0) ? "(none)" : reader.GetString(0));
        }

        return found;
    }

    private async Task RegisterAsync(string code)
    {
        var response = await fixture.Admin.PutAsJsonAsync($"/partners/{code}", new { name = code + " agency", country = "United States", channel = new { kind = "bus" } });
        response.EnsureSuccessStatusCode();
    }

    private Task<Activity> ServerSpanAsync(string route) =>
        Eventually.GetAsync(
            () => Task.FromResult(fixture.Spans.Snapshot().LastOrDefault(s => s.Kind == ActivityKind.Server && s.GetTagItem("http.route") as string == route)),
            $"the server span of POST {route}");

    private async Task WaitForwardedAsync(ActivityTraceId trace, string eventType)
    {
        try
        {
            await Eventually.TrueAsync(() => Forwarded(trace, eventType), $"{eventType} to be forwarded in trace {trace}");
        }
        catch (TimeoutException)
        {
            var seen = fixture.Spans.Snapshot().DistinctBy(s => s.SpanId).Select(s => $"{s.TraceId} {s.ParentSpanId} {s.SpanId} {s.Kind} {s.Source.Name}: {s.DisplayName}");
            Assert.Fail($"{eventType} was not forwarded in trace {trace}; spans seen:\n" + string.Join('\n', seen));
        }
    }

    private bool Forwarded(ActivityTraceId trace, string eventType) =>
        InTrace(trace).Any(s => s.Source.Name == PlatformTelemetry.Name && s.DisplayName == "ledger forward " + eventType);

    private List<Activity> InTrace(ActivityTraceId trace) =>
        [.. fixture.Spans.Snapshot().Where(s => s.TraceId == trace).DistinctBy(s => s.SpanId)];

    private static bool Mentions(Activity span, string word) =>
        span.DisplayName.Contains(word, StringComparison.OrdinalIgnoreCase)
        || span.TagObjects.Any(t => t.Value?.ToString()?.Contains(word, StringComparison.OrdinalIgnoreCase) == true);

    private static object Disclosure(string recipient) => new
    {
        originator = "UK-GMP",
        title = "Crime scene photographs",
        classification = "secret",
        caveats = new[] { "UK-EYES-ONLY" },
        contentSha256 = new string('c', 64),
        recipients = new[] { recipient },
        sharedBy = "GMP liaison",
        occurredAt = "2026-11-22T08:00:00Z",
    };
}
