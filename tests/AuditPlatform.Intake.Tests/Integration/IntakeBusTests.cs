using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Messaging;
using AuditPlatform.Testing;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>Commands published by a plain AMQP client, the way an integrator in any language would.</summary>
public sealed class IntakeBusTests(IntakeFixture fixture) : IClassFixture<IntakeFixture>
{
    private const string ErrorQueue = "intake-record-disclosure_error";

    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    private string OperatorToken => fixture.Token(AuditPlatform.ServiceDefaults.Security.Roles.Operator);

    private static string Json(object value) => JsonSerializer.Serialize(value, Web);

    [Fact]
    public async Task A_plain_json_command_is_recorded_and_its_event_is_published_with_the_ledger_id_and_sequence()
    {
        await fixture.RegisterAsync("DE-BND");
        var published = await fixture.Probe.ListenAsync("DisclosureRecorded");
        var id = Guid.NewGuid();

        await fixture.Probe.PublishRawAsync("RecordDisclosure", Json(IntakeFixture.Disclosure(id, "DE-BND")), Guid.NewGuid(), OperatorToken);

        var row = await Eventually.GetAsync(async () => (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id))).SingleOrDefault(), "the disclosure in the ledger");
        var message = await Eventually.GetAsync(() => Task.FromResult(published.FirstOrDefault(m => m.Message.GetProperty("disclosureId").GetGuid() == id)), "DisclosureRecorded on the bus");
        Assert.Equal("disclosure_recorded", row.Type);
        Assert.Equal(row.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Headers["Audit-Ledger-Sequence"]);
        var ledgerEventId = await LedgerEventIdAsync(row.Sequence);
        Assert.Equal(ledgerEventId, message.MessageId);
        Assert.Equal("DE-BND", message.Message.GetProperty("recipients")[0].GetProperty("partner").GetString());
    }

    [Fact]
    public async Task A_command_delivered_twice_is_recorded_once()
    {
        await fixture.RegisterAsync("FR-DGSI");
        var messageId = Guid.NewGuid();
        var body = Json(IntakeFixture.Disclosure(null, "FR-DGSI"));

        await fixture.Probe.PublishRawAsync("RecordDisclosure", body, messageId, OperatorToken);
        await fixture.Probe.PublishRawAsync("RecordDisclosure", body, messageId, OperatorToken);

        var stream = StreamKey.For(StreamKinds.Disclosure, messageId);
        await Eventually.TrueAsync(async () => (await fixture.Ledger.ReadAsync(stream)).Count == 1, "the disclosure in the ledger");
        var marker = Guid.NewGuid();
        await fixture.Probe.PublishRawAsync("RecordDisclosure", Json(IntakeFixture.Disclosure(marker, "FR-DGSI")), marker, OperatorToken);
        await Eventually.TrueAsync(async () => (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, marker))).Count == 1, "a later command, so both copies were consumed");
        Assert.Single(await fixture.Ledger.ReadAsync(stream));
    }

    [Fact]
    public async Task A_command_whose_message_id_is_not_a_uuid_is_still_recorded_once()
    {
        // amqplib, pika and the rest let an integrator send any string as message_id; MassTransit reads only UUIDs.
        await fixture.RegisterAsync("FR-DGSE");
        var body = Json(IntakeFixture.Disclosure(null, "FR-DGSE"));
        var messageId = "order-" + Guid.NewGuid().ToString("N");

        await fixture.Probe.PublishRawAsync("RecordDisclosure", body, messageId, OperatorToken);
        await fixture.Probe.PublishRawAsync("RecordDisclosure", body, messageId, OperatorToken);

        var marker = Guid.NewGuid();
        await fixture.Probe.PublishRawAsync("RecordDisclosure", Json(IntakeFixture.Disclosure(marker, "FR-DGSE")), marker, OperatorToken);
        var stream = StreamKey.For(StreamKinds.Disclosure, NameBasedIds.From("auditplatform/message-id/" + messageId));
        // Consumed concurrently, the later command may be recorded before the copies: wait for both disclosures.
        var recorded = await Eventually.GetAsync(
            async () =>
            {
                var rows = (await fixture.Ledger.ReadAsync(type: "disclosure_recorded")).Where(r => r.Data.GetProperty("Recipients")[0].GetProperty("Partner").GetString() == "FR-DGSE").ToList();
                return rows.Any(r => r.StreamKey == stream) && rows.Any(r => r.StreamKey == StreamKey.For(StreamKinds.Disclosure, marker)) ? rows : null;
            },
            "the disclosure under the name-based id, and the later command");
        Assert.Equal(2, recorded.Count);
        Assert.Single(recorded, r => r.StreamKey == stream);
    }

    [Fact]
    public async Task Unreadable_and_invalid_commands_go_to_the_error_queue_with_a_reason()
    {
        var before = (await fixture.Ledger.ReadAsync()).Count;
        await fixture.Probe.PublishRawAsync("RecordDisclosure", "{ this is not json", Guid.NewGuid(), OperatorToken);
        await fixture.Probe.PublishRawAsync("RecordDisclosure", Json(new { title = "no recipients", classification = "cosmic" }), Guid.NewGuid(), OperatorToken);

        var reasons = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            if (await fixture.Probe.GetAsync(ErrorQueue) is { } failed)
            {
                reasons.Add(failed.Headers.GetValueOrDefault("MT-Fault-Message") ?? failed.Headers.GetValueOrDefault("MT-Reason") ?? string.Empty);
            }

            return reasons.Count == 2;
        }, "two messages in " + ErrorQueue);

        Assert.All(reasons, r => Assert.False(string.IsNullOrWhiteSpace(r)));
        Assert.Contains(reasons, r => r.Contains("classification", StringComparison.Ordinal) || r.Contains("required", StringComparison.OrdinalIgnoreCase));
        Assert.Equal(before, (await fixture.Ledger.ReadAsync()).Count);
    }

    [Fact]
    public async Task Suspension_over_the_bus_makes_sharing_with_that_partner_refused_and_recorded()
    {
        await fixture.RegisterAsync("US-ICE");
        await fixture.RegisterAsync("CA-CSIS");
        var caseId = Guid.NewGuid();
        await fixture.Probe.PublishRawAsync("SuspendSharing", Json(new { partner = "US-ICE", by = "escalation policy", reason = "photographs leaked", caseId }), Guid.NewGuid(), OperatorToken);
        await Eventually.TrueAsync(async () =>
            (await fixture.Admin.GetFromJsonAsync<JsonElement>("/partners/US-ICE")).GetProperty("sharing").GetString() == "suspended", "US-ICE to be suspended");

        var id = Guid.NewGuid();
        var refused = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "CA-CSIS", "US-ICE"));

        Assert.Equal(System.Net.HttpStatusCode.Conflict, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("/sharing-suspended", problem.GetProperty("type").GetString());
        var rows = await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, id));
        Assert.Equal("sharing_blocked", Assert.Single(rows).Type);

        // Read back, the refusal says whom the item was for and when, and claims nothing it did not record.
        var blocked = await fixture.Operator.GetFromJsonAsync<JsonElement>($"/disclosures/{id}");
        Assert.Equal("blocked", blocked.GetProperty("status").GetString());
        Assert.Equal(["CA-CSIS", "US-ICE"], blocked.GetProperty("requestedRecipients").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["US-ICE"], blocked.GetProperty("suspendedPartners").EnumerateArray().Select(r => r.GetString()));
        Assert.NotEqual(default, blocked.GetProperty("occurredAt").GetDateTimeOffset());
        Assert.Equal(0, blocked.GetProperty("recipients").GetArrayLength());
        // What was asked to be shared, as the refusal recorded it: a compliance officer asks what was attempted.
        Assert.Equal("secret", blocked.GetProperty("classification").GetString());
        Assert.Equal(new string('c', 64), blocked.GetProperty("contentSha256").GetString());
        Assert.Equal(["UK-EYES-ONLY-UNTIL-RELEASE"], blocked.GetProperty("caveats").EnumerateArray().Select(c => c.GetString()));
        var partner = await fixture.Admin.GetFromJsonAsync<JsonElement>("/partners/US-ICE");
        Assert.Equal(caseId, partner.GetProperty("caseId").GetGuid());

        await fixture.Probe.PublishRawAsync("RestoreSharing", Json(new { partner = "US-ICE", by = "operator", reason = "assurance accepted" }), Guid.NewGuid());
        await Eventually.TrueAsync(async () =>
            (await fixture.Admin.GetFromJsonAsync<JsonElement>("/partners/US-ICE")).GetProperty("sharing").GetString() == "active", "US-ICE to be restored");
        var shared = await fixture.Operator.PostAsJsonAsync("/disclosures", IntakeFixture.Disclosure(id, "CA-CSIS", "US-ICE"));
        Assert.Equal(System.Net.HttpStatusCode.Created, shared.StatusCode);
    }

    [Fact]
    public async Task A_command_without_a_token_or_for_another_partner_goes_to_the_error_queue_and_is_recorded_nowhere()
    {
        await fixture.RegisterAsync("NL-AIVD");
        var anonymous = Guid.NewGuid();
        var impostor = Guid.NewGuid();
        var own = Guid.NewGuid();
        var fbi = fixture.Token(AuditPlatform.ServiceDefaults.Security.Roles.Integrator, "US-FBI");
        var disclosure = (Guid id, string originator) => Json(new
        {
            disclosureId = id,
            originator,
            title = "t",
            classification = "official",
            caveats = Array.Empty<string>(),
            contentSha256 = new string('d', 64),
            recipients = new[] { "NL-AIVD" },
            sharedBy = "x",
            occurredAt = "2017-05-23T08:00:00Z",
        });

        await fixture.Probe.PublishRawAsync("RecordDisclosure", disclosure(anonymous, "US-FBI"), anonymous);
        await fixture.Probe.PublishRawAsync("RecordDisclosure", disclosure(impostor, "US-DHS"), impostor, fbi);
        await fixture.Probe.PublishRawAsync("RecordDisclosure", disclosure(own, "US-FBI"), own, fbi);

        await Eventually.TrueAsync(async () => (await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, own))).Count == 1, "the integrator's own disclosure");
        var reasons = new List<string>();
        var credentials = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            if (await fixture.Probe.GetAsync(ErrorQueue) is { } failed)
            {
                reasons.Add(failed.Headers.GetValueOrDefault("MT-Fault-Message") ?? string.Empty);
                credentials.AddRange(failed.Headers.Where(h => h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)).Select(h => h.Value));
            }

            return reasons.Count(r => r.Contains("token", StringComparison.Ordinal) || r.Contains("may not act", StringComparison.Ordinal)) == 2;
        }, "both refused commands in " + ErrorQueue);
        Assert.Empty(credentials); // the impostor's bearer token is not kept in the error queue for anyone to replay
        Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, anonymous)));
        Assert.Empty(await fixture.Ledger.ReadAsync(StreamKey.For(StreamKinds.Disclosure, impostor)));
    }

    private async Task<Guid> LedgerEventIdAsync(long sequence)
    {
        await using var connection = new Npgsql.NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("select id from ledger.mt_events where seq_id = $1", connection);
        command.Parameters.AddWithValue(sequence);
        return (Guid)(await command.ExecuteScalarAsync())!;
    }
}
