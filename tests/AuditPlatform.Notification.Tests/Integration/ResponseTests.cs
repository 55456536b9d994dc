using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>Diplomatic responses over HTTP and as plain JSON on the bus, recorded once and published for Escalation.</summary>
public sealed class ResponseTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private static string Json(object value) => JsonSerializer.Serialize(value, Web);

    private static object Assurance(Guid? responseId, string partner, string statement = "We'll do whatever we can to honour that.") => new
    {
        responseId,
        partner,
        breachId = Guid.Parse("0b9e0a5e-2a53-4f0e-9a52-8d3f0c4a7b11"),
        caseId = Guid.Parse("5c2d7e9f-1b3a-4c6d-8e0f-2a4b6c8d0e1f"),
        kind = "assurance",
        statement,
        respondent = "US Ambassador",
        occurredAt = "2017-05-25T12:00:00Z",
        validUntil = "2018-05-25T12:00:00Z",
        scope = new[] { "secret", "UK-EYES-ONLY-UNTIL-RELEASE" },
    };

    [Fact]
    public async Task A_response_published_twice_as_plain_json_lands_in_the_ledger_once_and_is_published_for_escalation()
    {
        var published = await fixture.Probe.ListenAsync("DiplomaticResponseRecorded");
        var messageId = Guid.NewGuid();
        var body = Json(Assurance(null, "US-DOS"));

        var token = fixture.Token(Roles.Integrator, "US-DOS");
        await fixture.Probe.PublishRawAsync("RecordPartnerResponse", body, messageId, token);
        await fixture.Probe.PublishRawAsync("RecordPartnerResponse", body, messageId, token);

        var stream = StreamKey.For(StreamKinds.Response, messageId);
        var row = await Eventually.GetAsync(async () => (await fixture.Ledger.ReadAsync(stream)).SingleOrDefault(), "the response in the ledger");
        var marker = Guid.NewGuid();
        await fixture.Probe.PublishRawAsync("RecordPartnerResponse", Json(Assurance(marker, "US-DOS", "marker")), Guid.NewGuid(), token);
        await Eventually.TrueAsync(async () => (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Response, marker))).Count == 1, "a later response, so both copies were consumed");
        Assert.Single(await fixture.Ledger.ReadAsync(stream));
        Assert.Equal("diplomatic_response_recorded", row.Type);

        var message = await Eventually.GetAsync(() => Task.FromResult(published.FirstOrDefault(m => m.Message.GetProperty("responseId").GetGuid() == messageId)), "DiplomaticResponseRecorded on the bus");
        Assert.Equal("assurance", message.Message.GetProperty("kind").GetString());
        Assert.Equal("0b9e0a5e-2a53-4f0e-9a52-8d3f0c4a7b11", message.Message.GetProperty("breachId").GetString());
        Assert.Equal("5c2d7e9f-1b3a-4c6d-8e0f-2a4b6c8d0e1f", message.Message.GetProperty("caseId").GetString());
        Assert.Equal(new DateTimeOffset(2018, 5, 25, 12, 0, 0, TimeSpan.Zero), message.Message.GetProperty("validUntil").GetDateTimeOffset());
        Assert.Equal(["secret", "UK-EYES-ONLY-UNTIL-RELEASE"], message.Message.GetProperty("scope").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(row.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Headers["Audit-Ledger-Sequence"]);
        Assert.Equal(1, published.Count(m => m.Message.GetProperty("responseId").GetGuid() == messageId));
    }

    [Fact]
    public async Task A_response_over_http_replays_with_its_client_id_conflicts_with_another_body_and_is_refused_for_another_partner()
    {
        var integrator = fixture.Notification.ClientFor(Roles.Integrator, "US-DOS");
        var id = Guid.NewGuid();

        var first = await integrator.PostAsJsonAsync("/responses", Assurance(id, "US-DOS"));
        var again = await integrator.PostAsJsonAsync("/responses", Assurance(id, "US-DOS"));
        var changed = await integrator.PostAsJsonAsync("/responses", Assurance(id, "US-DOS", "A different statement."));
        var forOther = await integrator.PostAsJsonAsync("/responses", Assurance(null, "US-DOD"));
        var byOperator = await fixture.NotificationOperator.PostAsJsonAsync("/responses", Assurance(null, "US-DOD"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(id, (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("responseId").GetGuid());
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(id, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("responseId").GetGuid());
        Assert.Equal(HttpStatusCode.Conflict, changed.StatusCode);
        Assert.EndsWith("/client-id-conflict", (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, forOther.StatusCode);
        Assert.Equal(HttpStatusCode.Created, byOperator.StatusCode);
        Assert.Single(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Response, id)));
        var read = await integrator.GetFromJsonAsync<JsonElement>($"/responses/{id}");
        Assert.Equal("US Ambassador", read.GetProperty("respondent").GetString());
    }

    [Fact]
    public async Task An_invalid_response_is_answered_with_field_errors_over_http_and_sent_to_the_error_queue_on_the_bus()
    {
        var response = await fixture.NotificationOperator.PostAsJsonAsync("/responses", new { partner = "us dos", kind = "apology", validUntil = "2018-01-01T00:00:00Z" });
        var denial = new { partner = "US-DOS", kind = "denial", statement = "No.", respondent = "spokesman", occurredAt = "2017-05-25T12:00:00Z", scope = new[] { "secret" } };
        await fixture.Probe.PublishRawAsync("RecordPartnerResponse", Json(denial), Guid.NewGuid(), fixture.Token(Roles.Operator));
        var forAnotherPartner = new { partner = "US-DOS", kind = "denial", statement = "No.", respondent = "spokesman", occurredAt = "2017-05-25T12:00:00Z" };
        await fixture.Probe.PublishRawAsync("RecordPartnerResponse", Json(forAnotherPartner), Guid.NewGuid(), fixture.Token(Roles.Integrator, "US-DOD"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "partner", "kind", "statement", "respondent", "occurredAt", "validUntil" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}");
        }

        var reasons = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            if (await fixture.Probe.GetAsync("notification-record-partner-response_error") is { } failed)
            {
                reasons.Add(failed.Headers.GetValueOrDefault("MT-Fault-Message") ?? string.Empty);
            }

            return reasons.Count == 2;
        }, "two refused responses in the error queue");
        Assert.Contains(reasons, r => r.Contains("scope", StringComparison.Ordinal));
        Assert.Contains(reasons, r => r.Contains("US-DOD", StringComparison.Ordinal));
    }
}
