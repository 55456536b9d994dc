using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>Notices from Intake's events to the partners' channels, on real PostgreSQL, RabbitMQ and a loopback webhook.</summary>
public sealed class NoticeDeliveryTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private const string Secret = "a-webhook-secret-of-some-length";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string Json(object value) => JsonSerializer.Serialize(value, Web);

    private static Guid IdOf(JsonElement notice) => notice.GetProperty("noticeId").GetGuid();

    private Task<IReadOnlyList<LedgerRow>> StreamAsync(Guid noticeId) => fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Notice, noticeId));

    [Fact]
    public async Task A_disclosure_to_two_partners_yields_two_handling_notices_one_on_the_partner_queue_and_one_to_a_signed_webhook()
    {
        var hook = fixture.Webhooks.Serve("us-dhs", Secret, _ => 200);
        await fixture.RegisterAsync("US-FBI");
        await fixture.RegisterAsync("US-DHS", hook, Secret);
        var published = await fixture.Probe.ListenAsync("PartnerNotified");

        var (disclosureId, fingerprints) = await fixture.ShareAsync("US-FBI", "US-DHS");

        // The queue also carries refusal notices of US-FBI's bus commands (another test here sends one); those are passed over.
        var queued = await Eventually.GetAsync(
            async () => await fixture.Probe.GetAsync("partner.US-FBI") is { } m && m.Message.GetProperty("kind").GetString() != "command-refused" ? m : null,
            "the notice on partner.US-FBI");
        Assert.Equal("application/json", queued.ContentType);
        Assert.Equal("handling", queued.Message.GetProperty("kind").GetString());
        Assert.Equal(disclosureId, queued.Message.GetProperty("disclosureId").GetGuid());
        Assert.Equal(fingerprints["US-FBI"], queued.Message.GetProperty("fingerprint").GetString());
        Assert.Equal("secret", queued.Message.GetProperty("classification").GetString());
        Assert.Equal(["UK-EYES-ONLY-UNTIL-RELEASE", "NO-MEDIA"], queued.Message.GetProperty("caveats").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(queued.Message.GetProperty("noticeId").GetGuid(), queued.MessageId);

        var posted = await Eventually.GetAsync(() => Task.FromResult(fixture.Webhooks.For("us-dhs") is [var first, ..] ? first : null), "the webhook POST");
        Assert.True(posted.SignatureValid, "the X-Audit-Signature header is the HMAC-SHA256 of the body under the partner's secret");
        var body = JsonDocument.Parse(posted.Body).RootElement;
        Assert.Equal(fingerprints["US-DHS"], body.GetProperty("fingerprint").GetString());
        Assert.Equal("US-DHS", body.GetProperty("partner").GetString());
        Assert.Equal(body.GetProperty("noticeId").GetString(), posted.NoticeId);

        var fbi = await fixture.NoticeInStatusAsync("US-FBI", "delivered");
        var dhs = await fixture.NoticeInStatusAsync("US-DHS", "delivered");
        Assert.Equal("bus", fbi.GetProperty("channel").GetString());
        Assert.Equal("webhook", dhs.GetProperty("channel").GetString());
        Assert.Equal(fingerprints["US-DHS"], dhs.GetProperty("fingerprint").GetString());
        foreach (var notice in new[] { fbi, dhs })
        {
            Assert.Equal(["notice_created", "partner_notified"], (await StreamAsync(IdOf(notice))).Select(r => r.Type));
        }

        await Eventually.TrueAsync(() => published.Count(m => m.Message.GetProperty("disclosureId").GetGuid() == disclosureId) == 2, "PartnerNotified for both");
    }

    [Fact]
    public async Task A_bus_partners_queue_exists_from_its_registration_before_any_notice()
    {
        Assert.False(await fixture.Probe.ExistsAsync("partner.US-NRO"));

        await fixture.RegisterAsync("US-NRO");

        // An integrator may not declare queues: it can subscribe to its queue as soon as it is registered.
        await Eventually.TrueAsync(() => fixture.Probe.ExistsAsync("partner.US-NRO"), "partner.US-NRO to be declared");
        Assert.Equal(0u, await fixture.Probe.CountAsync("partner.US-NRO"));
    }

    [Fact]
    public async Task A_webhook_that_fails_three_times_then_succeeds_is_delivered_once_with_each_attempt_recorded()
    {
        using var measurements = new MeasurementLog("audit.notifications.attempts", "audit.notifications.delivered");
        var hook = fixture.Webhooks.Serve("ca-csis", Secret, call => call <= 3 ? 500 : 200);
        await fixture.RegisterAsync("CA-CSIS", hook, Secret);

        await fixture.ShareAsync("CA-CSIS");

        var notice = await fixture.NoticeInStatusAsync("CA-CSIS", "delivered");
        Assert.Equal(4, notice.GetProperty("attempts").GetInt32());
        var rows = await StreamAsync(IdOf(notice));
        Assert.Equal(["notice_created", "notice_delivery_failed", "notice_delivery_failed", "notice_delivery_failed", "partner_notified"], rows.Select(r => r.Type));
        Assert.Equal([1, 2, 3], rows.Where(r => r.Type == "notice_delivery_failed").Select(r => r.Data.GetProperty("Attempt").GetInt32()));
        Assert.All(rows.Where(r => r.Type == "notice_delivery_failed"), r =>
        {
            Assert.Contains("500", r.Data.GetProperty("Error").GetString(), StringComparison.Ordinal);
            Assert.True(r.Data.GetProperty("NextAttemptAt").GetDateTimeOffset() > r.Data.GetProperty("OccurredAt").GetDateTimeOffset());
        });
        Assert.Equal(4, rows[^1].Data.GetProperty("Attempt").GetInt32());

        var posts = fixture.Webhooks.For("ca-csis");
        Assert.Equal(4, posts.Count);
        Assert.Single(posts, p => p.Answered == 200);
        Assert.All(posts, p => Assert.True(p.SignatureValid));
        Assert.All(posts, p => Assert.Equal(posts[0].Body, p.Body));
        // Meters are per host and this process runs several: only this partner's measurements are this test's.
        await Eventually.TrueAsync(() => Of(measurements, "audit.notifications.delivered", "CA-CSIS").Count == 1, "the delivery counted");
        var attempts = Of(measurements, "audit.notifications.attempts", "CA-CSIS");
        Assert.Equal(3, attempts.Count(m => m.Tag("outcome") == "failure"));
        Assert.Equal(1, attempts.Count(m => m.Tag("outcome") == "success"));
        Assert.All(attempts, m => Assert.Equal("webhook", m.Tag("channel")));
        var delivered = Assert.Single(Of(measurements, "audit.notifications.delivered", "CA-CSIS"));
        Assert.Equal(("delivered", "webhook"), (delivered.Tag("outcome"), delivered.Tag("channel")));
    }

    [Fact]
    public async Task A_webhook_that_never_succeeds_ends_failed_listed_for_operators_and_counted()
    {
        using var measurements = new MeasurementLog("audit.notifications.attempts");
        var failures = new List<string>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "audit.notifications.delivered")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var values = new Dictionary<string, object?>();
            foreach (var tag in tags)
            {
                values[tag.Key] = tag.Value;
            }

            if (Equals(values.GetValueOrDefault("partner"), "AU-ASIO") && Equals(values.GetValueOrDefault("outcome"), "failed"))
            {
                lock (failures)
                {
                    failures.Add("failed");
                }
            }
        });
        listener.Start();
        var hook = fixture.Webhooks.Serve("au-asio", Secret, _ => 503);
        await fixture.RegisterAsync("AU-ASIO", hook, Secret);

        await fixture.ShareAsync("AU-ASIO");

        var notice = await fixture.NoticeInStatusAsync("AU-ASIO", "failed");
        Assert.Equal(6, notice.GetProperty("attempts").GetInt32());
        Assert.Contains("503", notice.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        var failed = await fixture.NotificationOperator.GetFromJsonAsync<JsonElement>("/notifications?status=failed&kind=handling");
        Assert.Contains(failed.EnumerateArray(), n => IdOf(n) == IdOf(notice));
        var rows = await StreamAsync(IdOf(notice));
        Assert.Equal(6, rows.Count(r => r.Type == "notice_delivery_failed"));
        Assert.Equal(JsonValueKind.Null, rows[^1].Data.GetProperty("NextAttemptAt").ValueKind);
        Assert.DoesNotContain(rows, r => r.Type == "partner_notified");
        Assert.Equal(6, fixture.Webhooks.For("au-asio").Count);
        await Eventually.TrueAsync(() => { lock (failures) { return failures.Count == 1; } }, "audit.notifications.delivered{outcome=failed} for AU-ASIO");
        var attempts = Of(measurements, "audit.notifications.attempts", "AU-ASIO");
        Assert.Equal(6, attempts.Count(m => m.Tag("outcome") == "failure"));
        Assert.All(attempts, m => Assert.Equal(("failure", "webhook"), (m.Tag("outcome"), m.Tag("channel"))));
    }

    [Fact]
    public async Task Each_delivery_is_counted_once_by_its_channel_bus_and_webhook_alike()
    {
        const int N = 6;
        using var measurements = new MeasurementLog("audit.notifications.delivered", "audit.notifications.attempts");
        var hook = fixture.Webhooks.Serve("no-nis", Secret, _ => 200);
        await fixture.RegisterAsync("NO-PST");
        await fixture.RegisterAsync("NO-NIS", hook, Secret);

        for (var i = 0; i < N; i++)
        {
            await fixture.ShareAsync("NO-PST", "NO-NIS");
        }

        await Eventually.TrueAsync(
            async () => (await fixture.NoticesAsync("NO-PST", "delivered")).Count == N && (await fixture.NoticesAsync("NO-NIS", "delivered")).Count == N,
            $"{N} notices delivered to each partner");
        // A delivery is counted after it is recorded: wait for the last count, then for anything a second count would add.
        await Eventually.TrueAsync(
            () => Of(measurements, "audit.notifications.delivered", "NO-PST").Count == N && Of(measurements, "audit.notifications.delivered", "NO-NIS").Count == N,
            $"{N} deliveries counted for each partner");
        await Task.Delay(TimeSpan.FromSeconds(1));

        foreach (var (partner, channel) in new[] { ("NO-PST", "bus"), ("NO-NIS", "webhook") })
        {
            var delivered = Of(measurements, "audit.notifications.delivered", partner);
            Assert.Equal(N, delivered.Count);
            Assert.All(delivered, m => Assert.Equal(("delivered", channel, "handling", 1d), (m.Tag("outcome"), m.Tag("channel"), m.Tag("kind"), m.Value)));
            var attempts = Of(measurements, "audit.notifications.attempts", partner);
            Assert.Equal(N, attempts.Count);
            Assert.All(attempts, m => Assert.Equal(("success", channel), (m.Tag("outcome"), m.Tag("channel"))));
        }

        Assert.Equal(N, fixture.Webhooks.For("no-nis").Count);
    }

    private static List<Measured> Of(MeasurementLog measurements, string instrument, string partner) =>
        [.. measurements.Snapshot().Where(m => m.Instrument == instrument && m.Tag("partner") == partner)];

    [Fact]
    public async Task An_acknowledgement_from_another_partners_token_is_forbidden_and_the_partners_own_is_recorded_once()
    {
        await fixture.RegisterAsync("NZ-NZSIS");
        var acknowledged = await fixture.Probe.ListenAsync("NoticeAcknowledged");
        await fixture.ShareAsync("NZ-NZSIS");
        var notice = await fixture.NoticeInStatusAsync("NZ-NZSIS", "delivered");
        var path = $"/notifications/{IdOf(notice)}/ack";

        var stranger = await fixture.Notification.ClientFor(Roles.Integrator, "US-FBI").PostAsJsonAsync(path, new { by = "FBI liaison" });
        var own = fixture.Notification.ClientFor(Roles.Integrator, "NZ-NZSIS");
        var first = await own.PostAsJsonAsync(path, new { by = "NZSIS duty officer" });
        var again = await own.PostAsJsonAsync(path, new { by = "NZSIS duty officer" });

        Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        Assert.EndsWith("/forbidden", (await stranger.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("acknowledged", (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Single(await StreamAsync(IdOf(notice)), r => r.Type == "notice_acknowledged");
        var message = await Eventually.GetAsync(() => Task.FromResult(acknowledged.FirstOrDefault(m => m.Message.GetProperty("noticeId").GetGuid() == IdOf(notice))), "NoticeAcknowledged on the bus");
        Assert.Equal("NZSIS duty officer", message.Message.GetProperty("by").GetString());
        var listed = await own.GetFromJsonAsync<JsonElement>("/notifications?status=acknowledged");
        Assert.Contains(listed.EnumerateArray(), n => IdOf(n) == IdOf(notice));
    }

    [Fact]
    public async Task An_acknowledgement_over_the_bus_is_recorded_and_one_from_another_partner_or_without_a_token_goes_to_the_error_queue()
    {
        await fixture.RegisterAsync("JP-PSIA");
        await fixture.ShareAsync("JP-PSIA");
        var notice = await fixture.NoticeInStatusAsync("JP-PSIA", "delivered");

        await fixture.Probe.PublishRawAsync("AcknowledgeNotice", Json(new { noticeId = IdOf(notice), partner = "US-FBI", by = "impostor" }), Guid.NewGuid(), fixture.Token(Roles.Integrator, "US-FBI"));
        await fixture.Probe.PublishRawAsync("AcknowledgeNotice", Json(new { noticeId = IdOf(notice), partner = "JP-PSIA", by = "anonymous" }), Guid.NewGuid());
        await fixture.Probe.PublishRawAsync("AcknowledgeNotice", Json(new { noticeId = IdOf(notice), partner = "JP-PSIA", by = "PSIA desk" }), Guid.NewGuid(), fixture.Token(Roles.Integrator, "JP-PSIA"));

        var acknowledged = await fixture.NoticeInStatusAsync("JP-PSIA", "acknowledged");
        Assert.Equal("PSIA desk", acknowledged.GetProperty("acknowledgedBy").GetString());
        var refused = new List<ProbedMessage>();
        await Eventually.TrueAsync(async () =>
        {
            if (await fixture.Probe.GetAsync("notification-acknowledge-notice_error") is { } failed)
            {
                refused.Add(failed);
            }

            return refused.Count == 2;
        }, "two refused acknowledgements in the error queue");
        Assert.Equal(["anonymous", "impostor"], refused.Select(r => r.Message.GetProperty("by").GetString()).Order());
        Assert.Single(await StreamAsync(IdOf(notice)), r => r.Type == "notice_acknowledged");
    }

    [Fact]
    public async Task A_suspended_partner_still_gets_breach_notices_but_a_new_disclosure_to_it_is_refused_and_notifies_no_one()
    {
        await fixture.RegisterAsync("US-ICE");
        await fixture.RegisterAsync("US-CBP");
        var (before, _) = await fixture.ShareAsync("US-ICE", "US-CBP");
        await fixture.NoticeInStatusAsync("US-ICE", "delivered", "handling");

        await fixture.Probe.PublishRawAsync("SuspendSharing", Json(new { partner = "US-ICE", by = "operator", reason = "photographs published" }), Guid.NewGuid(), fixture.Token(Roles.Operator));
        await Eventually.TrueAsync(async () => await fixture.ChannelAsync("US-ICE") is { Suspended: true, SuspendedSinceSequence: not null }, "Notification to learn of the suspension and its ledger sequence");
        var refusedId = Guid.NewGuid();
        var refused = await fixture.Operator.PostAsJsonAsync("/disclosures", NotificationFixture.Disclosure(refusedId, "US-ICE", "US-CBP"));
        var (after, _) = await fixture.ShareAsync("US-CBP");
        var breach = await fixture.Operator.PostAsJsonAsync("/breaches", new
        {
            disclosureId = before,
            outlet = "New York Times",
            observedAt = "2017-05-24T18:00:00Z",
            severity = "critical",
            description = "Photographs of the device published",
            reportedBy = "GMP",
        });

        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Equal(HttpStatusCode.Created, breach.StatusCode);
        var breachId = (await breach.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("breachId").GetGuid();
        var iceBreach = await fixture.NoticeInStatusAsync("US-ICE", "delivered", "breach");
        await fixture.NoticeInStatusAsync("US-CBP", "delivered", "breach");
        await Eventually.TrueAsync(async () => (await fixture.NoticesAsync("US-CBP")).Any(n => n.GetProperty("disclosureId").GetGuid() == after), "US-CBP's notice of the later disclosure");
        Assert.Equal(breachId, iceBreach.GetProperty("breachId").GetGuid());
        // Critical opens at level 2 (PT24H); the leak was reported after the fact, so the clock runs from the report.
        Assert.Equal(iceBreach.GetProperty("createdAt").GetDateTimeOffset().AddHours(24), iceBreach.GetProperty("respondBy").GetDateTimeOffset());

        var ice = await fixture.NoticesAsync("US-ICE");
        Assert.Equal(["breach", "handling"], ice.Select(n => n.GetProperty("kind").GetString()).Order());
        Assert.All(ice, n => Assert.Equal(before, n.GetProperty("disclosureId").GetGuid()));
        Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Notice, Notices.Planning.NoticeIds.For("handling", refusedId, "US-ICE"))));
        Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Notice, Notices.Planning.NoticeIds.For("handling", after, "US-ICE"))));
    }

    [Fact]
    public async Task A_breach_attributed_by_fingerprint_notifies_only_the_attributed_partner_on_its_queue()
    {
        await fixture.RegisterAsync("DE-BND");
        await fixture.RegisterAsync("DE-BFV");
        var (disclosureId, fingerprints) = await fixture.ShareAsync("DE-BND", "DE-BFV");

        var reported = DateTimeOffset.UtcNow;
        var breach = await fixture.Operator.PostAsJsonAsync("/breaches", new
        {
            fingerprint = fingerprints["DE-BFV"],
            outlet = "Der Spiegel",
            observedAt = "2017-05-24T18:00:00Z",
            severity = "low",
            description = "Copy with a fingerprint",
            reportedBy = "GMP",
        });
        Assert.Equal(HttpStatusCode.Created, breach.StatusCode);
        var breachId = (await breach.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("breachId").GetGuid();

        var message = await Eventually.GetAsync(async () =>
        {
            var m = await fixture.Probe.GetAsync("partner.DE-BFV");
            return m is { } found && found.Message.GetProperty("kind").GetString() == "breach" ? found : null;
        }, "the breach notice on partner.DE-BFV");
        Assert.Equal(breachId, message.Message.GetProperty("breachId").GetGuid());
        Assert.True(message.Message.GetProperty("attributed").GetBoolean());
        // Low opens at level 1 (PT4H), counted from when the notice is planned (the sighting itself was in 2017).
        var respondBy = message.Message.GetProperty("respondBy").GetDateTimeOffset();
        Assert.InRange(respondBy, reported.AddHours(4), DateTimeOffset.UtcNow.AddHours(4));
        await fixture.NoticeInStatusAsync("DE-BFV", "delivered", "breach");
        Assert.DoesNotContain(await fixture.NoticesAsync("DE-BND"), n => n.GetProperty("kind").GetString() == "breach");
        Assert.Equal(disclosureId, message.Message.GetProperty("disclosureId").GetGuid());
    }

    [Fact]
    public async Task Integrators_list_only_their_own_partners_notices_and_bad_filters_are_field_errors()
    {
        await fixture.RegisterAsync("FR-DGSI");
        await fixture.RegisterAsync("FR-DGSE");
        await fixture.ShareAsync("FR-DGSI", "FR-DGSE");
        await fixture.NoticeInStatusAsync("FR-DGSE", "delivered");
        var dgsi = fixture.Notification.ClientFor(Roles.Integrator, "FR-DGSI");

        var own = await dgsi.GetFromJsonAsync<JsonElement>("/notifications?kind=handling");
        var other = await dgsi.GetAsync("/notifications?partner=FR-DGSE");
        var bad = await fixture.NotificationOperator.GetAsync("/notifications?status=lost&kind=memo");
        var anonymous = await fixture.Notification.CreateClient().GetAsync("/notifications");

        Assert.NotEmpty(own.EnumerateArray());
        Assert.All(own.EnumerateArray(), n => Assert.Equal("FR-DGSI", n.GetProperty("partner").GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("status", out _));
        Assert.True(errors.TryGetProperty("kind", out _));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_notification_endpoints()
    {
        var document = await fixture.Notification.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths");
        foreach (var path in new[] { "/notifications", "/notifications/{id}", "/notifications/{id}/ack", "/responses", "/responses/{id}" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not in the OpenAPI document");
        }
    }
}
