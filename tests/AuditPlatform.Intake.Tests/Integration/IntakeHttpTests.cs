using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Intake.Disclosures;
using AuditPlatform.Intake.Intelligence.Deadlines;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Intake.Tests.Integration;

public sealed class IntakeHttpTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task A_disclosure_to_two_partners_returns_their_fingerprints_and_lands_in_the_ledger()
    {
        await fixture.RegisterAsync("US-FBI");
        await fixture.RegisterAsync("US-DHS");
        var id = Guid.NewGuid();

        var response = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-FBI", "US-DHS"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Json(response);
        var fbi = body.GetProperty("fingerprints").GetProperty("US-FBI").GetString();
        var dhs = body.GetProperty("fingerprints").GetProperty("US-DHS").GetString();
        Assert.Matches("^[0-9a-f]{32}$", fbi);
        Assert.NotEqual(fbi, dhs);
        var rows = await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id));
        var row = Assert.Single(rows);
        Assert.Equal("disclosure_recorded", row.Type);
        Assert.Equal("2017-05-23T08:00:00+00:00", row.Data.GetProperty("OccurredAt").GetString());

        var read = await Json(await fixture.Operator.GetAsync($"/disclosures/{id}"));
        Assert.Equal(fbi, read.GetProperty("fingerprints").GetProperty("US-FBI").GetString());
    }

    [Fact]
    public async Task A_bus_partners_queue_exists_when_its_registration_returns()
    {
        // No Notification runs here: the queue an integrator subscribes to right after PUT must not wait for it.
        var response = await fixture.Admin.PutAsJsonAsync("/partners/NODE-QUEUE", new { name = "Node", country = "Interop", channel = new { kind = "bus" } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(await fixture.Probe.ExistsAsync("partner.NODE-QUEUE"), "partner.NODE-QUEUE exists when PUT returns");
        using var management = fixture.Servers.ManagementClient();
        var queue = await management.GetFromJsonAsync<JsonElement>($"queues/{fixture.VirtualHost}/partner.NODE-QUEUE");
        Assert.True(queue.GetProperty("durable").GetBoolean());
        Assert.False(queue.GetProperty("auto_delete").GetBoolean());
        Assert.False(queue.GetProperty("exclusive").GetBoolean());
    }

    [Fact]
    public async Task A_webhook_secret_is_refused_by_intake_which_never_holds_one()
    {
        var response = await fixture.Admin.PutAsJsonAsync("/partners/NODE-HOOK", new
        {
            name = "Node",
            country = "Interop",
            channel = new { kind = "webhook", webhookUrl = "http://127.0.0.1:9/hook", secret = "a-secret-for-intake-to-refuse" },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("/webhook-secret", (await Json(response)).GetProperty("errors").GetProperty("channel.secret")[0].GetString());
        await fixture.RegisterAsync("NODE-HOOK", "webhook");
        var registered = await Json(await fixture.Admin.GetAsync("/partners/NODE-HOOK"));
        Assert.False(registered.GetProperty("channel").TryGetProperty("secret", out _));
    }

    [Fact]
    public async Task Repeating_a_disclosure_with_its_client_id_replays_it_and_a_changed_body_conflicts()
    {
        await fixture.RegisterAsync("US-NSA");
        var id = Guid.NewGuid();
        var first = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-NSA"));
        var again = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-NSA"));
        var changed = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "US-NSA", "US-NSA-2"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal((await Json(first)).GetProperty("fingerprints").GetRawText(), (await Json(again)).GetProperty("fingerprints").GetRawText());
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.EndsWith("/client-id-conflict", (await Json(changed)).GetProperty("type").GetString());
        Assert.Single(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id)));
    }

    [Fact]
    public async Task A_breach_names_its_exposure_set_and_the_partner_its_fingerprint_belongs_to()
    {
        await fixture.RegisterAsync("US-CIA");
        await fixture.RegisterAsync("US-DIA");
        var shared = await Json(await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(null, "US-CIA", "US-DIA")));
        var disclosureId = shared.GetProperty("disclosureId").GetGuid();
        var fingerprint = shared.GetProperty("fingerprints").GetProperty("US-DIA").GetString();

        var response = await fixture.Operator.PostAsJsonAsync("/breaches", new
        {
            fingerprint,
            outlet = "New York Times",
            observedAt = "2017-05-24T18:00:00Z",
            severity = "critical",
            description = "Photographs of the device published",
            reportedBy = "GMP",
        });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var breach = await Json(response);
        Assert.Equal(disclosureId, breach.GetProperty("disclosureId").GetGuid());
        Assert.Equal(["US-CIA", "US-DIA"], breach.GetProperty("exposureSet").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("US-DIA", breach.GetProperty("attributedPartner").GetString());
        var stored = await Json(await fixture.Operator.GetAsync($"/breaches/{breach.GetProperty("breachId").GetGuid()}"));
        Assert.Equal("US-DIA", stored.GetProperty("attributedPartner").GetString());
    }

    [Fact]
    public async Task Migrate_fills_the_fingerprint_owners_of_disclosures_recorded_before_the_projection()
    {
        await fixture.RegisterAsync("US-NGA");
        var shared = await Json(await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(null, "US-NGA")));
        var fingerprint = shared.GetProperty("fingerprints").GetProperty("US-NGA").GetString();
        object Breach() => new { fingerprint, outlet = "Le Monde", observedAt = "2017-05-24T18:00:00Z", severity = "high", description = "Photographs", reportedBy = "GMP" };

        // A ledger from before the projection: the owners are not there, and attribution by fingerprint fails.
        await fixture.Ledger.ExecuteAsync("delete from intake.mt_doc_fingerprintowner");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await fixture.Operator.PostAsJsonAsync("/breaches", Breach())).StatusCode);

        await new FingerprintOwnerBackfill().ApplyAsync(fixture.Intake.Services.GetRequiredService<IDocumentStore>(), CancellationToken.None);

        var response = await fixture.Operator.PostAsJsonAsync("/breaches", Breach());
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("US-NGA", (await Json(response)).GetProperty("attributedPartner").GetString());
    }

    [Fact]
    public async Task An_unknown_recipient_is_unprocessable_and_nothing_is_recorded()
    {
        var id = Guid.NewGuid();
        var response = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "ZZ-NOBODY"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var problem = await Json(response);
        Assert.EndsWith("/unknown-partner", problem.GetProperty("type").GetString());
        Assert.Contains("ZZ-NOBODY", problem.GetProperty("errors").GetProperty("recipients")[0].GetString());
        Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id)));
    }

    [Fact]
    public async Task Invalid_fields_are_answered_with_field_level_problem_details()
    {
        var response = await fixture.Operator.PostAsJsonAsync("/disclosures", new { title = "", classification = "very-secret", recipients = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await Json(response)).GetProperty("errors");
        foreach (var field in new[] { "originator", "title", "classification", "contentSha256", "recipients", "sharedBy", "occurredAt" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}");
        }
    }

    [Fact]
    public async Task A_time_something_happened_may_be_ahead_of_the_service_by_the_clocks_difference_and_no_more()
    {
        var now = fixture.Clock.GetUtcNow();
        var received = await fixture.Operator.PostAsJsonAsync("/intelligence", new { source = "agent handler", summary = "Clock ahead", occurredAt = now.AddMinutes(4) });
        Assert.Equal(HttpStatusCode.Created, received.StatusCode);
        var itemId = (await Json(received)).GetProperty("itemId").GetGuid();
        var before = (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Intelligence, itemId))).Count;

        // An assessment dated a year ahead would put its report deadline, and the case a missed one opens, a year away.
        var assessed = await fixture.Operator.PostAsJsonAsync($"/intelligence/{itemId}/assessments",
            new { assessedBy = "desk officer", relatesToTerrorism = true, pressingConcern = true, occurredAt = now.AddYears(1) });
        var breach = await fixture.Operator.PostAsJsonAsync("/breaches",
            new { disclosureId = Guid.NewGuid(), outlet = "A paper", observedAt = now.AddDays(1), severity = "low", description = "d", reportedBy = "GMP" });

        foreach (var (response, field) in new[] { (assessed, "occurredAt"), (breach, "observedAt") })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var message = Assert.Single((await Json(response)).GetProperty("errors").GetProperty(field).EnumerateArray()).GetString();
            Assert.StartsWith("must not be in the future: it is when this happened (now is ", message, StringComparison.Ordinal);
        }

        Assert.Equal(before, (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Intelligence, itemId))).Count);
    }

    [Fact]
    public async Task A_body_over_256_KiB_is_refused_with_413()
    {
        var huge = IntakeFixture.Disclosure(null, "US-FBI") is var d ? new { d, padding = new string('x', 300 * 1024) } : null;
        var response = await fixture.Operator.PostAsJsonAsync("/disclosures", huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.EndsWith("/payload-too-large", (await Json(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Callers_without_a_token_get_401_and_without_the_role_403()
    {
        var anonymous = fixture.Intake.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(null, "US-FBI"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/live")).StatusCode);

        var compliance = fixture.Intake.ClientFor(Roles.Compliance);
        Assert.Equal(HttpStatusCode.Forbidden, (await compliance.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(null, "US-FBI"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Operator.PutAsJsonAsync("/partners/XX-TEST", new { })).StatusCode);

        var otherOriginator = fixture.Intake.ClientFor(Roles.Integrator, "US-FBI");
        var refused = await otherOriginator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(null, "US-FBI"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task An_expired_token_is_refused()
    {
        var client = fixture.Intake.CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", DevTokens.Mint(fixture.SigningKey, Roles.Operator, lifetime: TimeSpan.FromMinutes(-5)));

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/partners/US-FBI")).StatusCode);
    }

    [Fact]
    public async Task A_pressing_concern_not_written_up_in_time_records_a_missed_deadline_once()
    {
        using var measurements = new MeasurementLog("audit.deadlines.missed");
        var created = await Json(await fixture.Operator.PostAsJsonAsync("/intelligence", new { source = "agent handler", summary = "Contact with a known extremist", occurredAt = "2026-11-23T08:00:00Z" }));
        var itemId = created.GetProperty("itemId").GetGuid();
        var assessed = await fixture.Operator.PostAsJsonAsync($"/intelligence/{itemId}/assessments", new { assessedBy = "desk officer", relatesToTerrorism = true, pressingConcern = true, occurredAt = "2026-11-23T09:00:00Z" });
        Assert.Equal(HttpStatusCode.Created, assessed.StatusCode);
        var watch = fixture.Intake.Services.GetRequiredService<HandlingDeadlineWatch>();
        var stream = StreamKey.For(StreamKinds.Intelligence, itemId);

        fixture.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 16, 59, 0, TimeSpan.Zero));
        await watch.SweepAsync(CancellationToken.None);
        Assert.DoesNotContain(await fixture.Ledger.ReadAsync(stream), r => r.Type == "handling_deadline_missed");

        fixture.Clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 17, 1, 0, TimeSpan.Zero));
        await watch.SweepAsync(CancellationToken.None);
        await watch.SweepAsync(CancellationToken.None);
        var missed = Assert.Single(await fixture.Ledger.ReadAsync(stream), r => r.Type == "handling_deadline_missed");
        Assert.Equal("2026-11-23T17:00:00+00:00", missed.Data.GetProperty("Deadline").GetString());

        var item = await Json(await fixture.Operator.GetAsync($"/intelligence/{itemId}"));
        Assert.Equal(["received", "assessed", "deadline-missed"], item.GetProperty("timeline").EnumerateArray().Select(s => s.GetProperty("step").GetString()));
        Assert.Contains(measurements.Snapshot(), m => m.Instrument == "audit.deadlines.missed" && m.Tag("deadline") == HandlingDeadlines.Kind);
    }

    [Fact]
    public async Task A_report_written_after_its_deadline_records_the_miss_with_the_report()
    {
        using var measurements = new MeasurementLog("audit.deadlines.missed");
        var itemId = Guid.NewGuid();
        await fixture.Operator.PostAsJsonAsync("/intelligence", new { itemId, source = "foreign partner", summary = "Travel to Libya", occurredAt = "2017-04-01T08:00:00Z" });
        await fixture.Operator.PostAsJsonAsync($"/intelligence/{itemId}/assessments", new { assessedBy = "desk", relatesToTerrorism = true, pressingConcern = true, occurredAt = "2017-04-01T09:00:00Z" });

        var report = await fixture.Operator.PostAsJsonAsync($"/intelligence/{itemId}/reports", new { author = "desk", occurredAt = "2017-04-03T09:00:00Z" });

        Assert.Equal(HttpStatusCode.Created, report.StatusCode);
        var types = (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Intelligence, itemId))).Select(r => r.Type);
        Assert.Equal(["intelligence_received", "intelligence_assessed", "handling_deadline_missed", "intelligence_reported"], types);
        Assert.Contains(measurements.Snapshot(), m => m.Tag("deadline") == HandlingDeadlines.Kind);
    }
}
