using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Audit.Tests.Integration;

public sealed class TimelineTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private async Task<JsonElement> GetAsync(string path, HttpClient? client = null)
    {
        var response = await (client ?? fixture.Compliance).GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<DateTimeOffset> RecordedAtAsync(string partner, string type) =>
        (await Eventually.GetAsync(async () =>
        {
            var page = await GetAsync($"/audit/events?streamKind=partner&streamId={partner}&type={type}");
            var events = page.GetProperty("events");
            return events.GetArrayLength() == 0 ? (DateTimeOffset?)null : events[events.GetArrayLength() - 1].GetProperty("recordedAt").GetDateTimeOffset();
        }, $"{type} of {partner} in the ledger")).GetValueOrDefault();

    private async Task<string> SharingAsync(string partner, DateTimeOffset asOf) =>
        (await GetAsync($"/audit/timeline/partner/{partner}?asOf={Uri.EscapeDataString(LeafEncoding.Time(asOf))}")).GetProperty("state").GetProperty("sharing").GetString()!;

    [Fact]
    public async Task A_partner_reads_suspended_between_its_suspension_and_restoration_and_active_after()
    {
        await fixture.RegisterAsync("US-FBI");
        var registered = await RecordedAtAsync("US-FBI", "partner_registered");
        await fixture.SuspendAsync("US-FBI", new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        var suspended = await RecordedAtAsync("US-FBI", "sharing_suspended");
        await fixture.RestoreAsync("US-FBI", new DateTimeOffset(2017, 5, 27, 9, 0, 0, TimeSpan.Zero));
        var restored = await RecordedAtAsync("US-FBI", "sharing_restored");

        Assert.Equal("active", await SharingAsync("US-FBI", registered));
        Assert.Equal("suspended", await SharingAsync("US-FBI", suspended));
        Assert.Equal("suspended", await SharingAsync("US-FBI", restored.AddTicks(-10)));
        Assert.Equal("active", await SharingAsync("US-FBI", restored));
    }

    [Fact]
    public async Task An_event_recorded_late_with_an_earlier_world_time_is_absent_before_its_recording()
    {
        await fixture.RegisterAsync("US-DHS");
        var registered = await RecordedAtAsync("US-DHS", "partner_registered");
        await fixture.SuspendAsync("US-DHS", new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        var recorded = await RecordedAtAsync("US-DHS", "sharing_suspended");

        var before = await GetAsync($"/audit/timeline/partner/US-DHS?asOf={Uri.EscapeDataString(LeafEncoding.Time(recorded.AddTicks(-10)))}");
        Assert.DoesNotContain(before.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "sharing_suspended");
        Assert.Equal("active", before.GetProperty("state").GetProperty("sharing").GetString());
        var after = await GetAsync($"/audit/timeline/partner/US-DHS?asOf={Uri.EscapeDataString(LeafEncoding.Time(recorded))}");
        var suspension = Assert.Single(after.GetProperty("events").EnumerateArray(), e => e.GetProperty("type").GetString() == "sharing_suspended");
        Assert.Equal(new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero), suspension.GetProperty("occurredAt").GetDateTimeOffset());
        Assert.True(registered < recorded);
    }

    [Fact]
    public async Task A_timeline_until_a_world_time_holds_only_what_had_happened_by_then_and_asOf_stays_recorded_time()
    {
        await fixture.RegisterAsync("US-NCTC");
        await fixture.SuspendAsync("US-NCTC", new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        var recorded = await RecordedAtAsync("US-NCTC", "sharing_suspended");

        static string[] Types(JsonElement t) => t.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray();
        var before = await GetAsync("/audit/timeline/partner/US-NCTC?until=2017-05-25T08:00:00Z");
        Assert.Empty(Types(before));
        Assert.Equal(new DateTimeOffset(2017, 5, 25, 8, 0, 0, TimeSpan.Zero), before.GetProperty("until").GetDateTimeOffset());
        var after = await GetAsync("/audit/timeline/partner/US-NCTC?until=2017-05-25T10:00:00Z");
        Assert.Equal(["sharing_suspended"], Types(after));
        Assert.Equal("suspended", after.GetProperty("state").GetProperty("sharing").GetString());

        // Both bounds: known by a recorded time before the suspension was recorded, nothing had happened by 10:00 in 2017.
        var known = await GetAsync($"/audit/timeline/partner/US-NCTC?until=2017-05-25T10:00:00Z&asOf={Uri.EscapeDataString(LeafEncoding.Time(recorded.AddTicks(-10)))}");
        Assert.Empty(Types(known));
        var page = await GetAsync("/audit/events?streamKind=partner&streamId=US-NCTC&to=2017-05-25T10:00:00Z");
        Assert.Equal(["sharing_suspended"], page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()!).ToArray());
    }

    [Fact]
    public async Task Times_with_an_offset_mean_the_same_instants_as_in_utc()
    {
        await fixture.RegisterAsync("US-NGA");
        await fixture.SuspendAsync("US-NGA", new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        await RecordedAtAsync("US-NGA", "sharing_suspended");

        // 10:30+01:00 is 09:30Z, after the suspension; 09:30+01:00 is 08:30Z, before it.
        static int Count(JsonElement page) => page.GetProperty("events").GetArrayLength();
        Assert.Equal(1, Count(await GetAsync("/audit/timeline/partner/US-NGA?until=" + Uri.EscapeDataString("2017-05-25T10:30:00+01:00"))));
        Assert.Equal(0, Count(await GetAsync("/audit/timeline/partner/US-NGA?until=" + Uri.EscapeDataString("2017-05-25T09:30:00+01:00"))));
        Assert.Equal(1, Count(await GetAsync("/audit/events?streamKind=partner&streamId=US-NGA&to=" + Uri.EscapeDataString("2017-05-25T10:30:00+01:00"))));
        Assert.Equal(0, Count(await GetAsync("/audit/events?streamKind=partner&streamId=US-NGA&to=" + Uri.EscapeDataString("2017-05-25T09:30:00+01:00"))));
        var now = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-ddTHH:mm:ss.fffffffzzz", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("suspended", (await GetAsync("/audit/timeline/partner/US-NGA?asOf=" + Uri.EscapeDataString(now))).GetProperty("state").GetProperty("sharing").GetString());
        Assert.Equal(2, Count(await GetAsync("/audit/events?streamKind=partner&streamId=US-NGA&asOf=" + Uri.EscapeDataString(now)))); // registered, suspended
        await GetAsync("/audit/access-log?from=" + Uri.EscapeDataString("2017-05-25T10:30:00+01:00"), fixture.Audit.ClientFor(Roles.Admin));
    }

    [Fact]
    public async Task A_timeline_query_by_the_compliance_token_appears_in_the_access_log()
    {
        // The ledger never held US-NSA: the answer is 404, and the question is on the record all the same.
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Compliance.GetAsync("/audit/timeline/partner/US-NSA?asOf=2017-05-24T18:00:00Z")).StatusCode);
        var log = await GetAsync("/audit/access-log?by=test-compliance", fixture.Audit.ClientFor(Roles.Admin));
        Assert.Contains(log.GetProperty("entries").EnumerateArray(), e => e.GetProperty("path").GetString() == "/audit/timeline/partner/US-NSA?asOf=2017-05-24T18:00:00Z");
        Assert.Equal(HttpStatusCode.Forbidden, (await fixture.Compliance.GetAsync("/audit/access-log")).StatusCode);
    }

    [Fact]
    public async Task An_evidence_pack_verifies_offline_and_not_once_an_event_is_edited()
    {
        await fixture.RegisterAsync("US-CIA");
        await fixture.SuspendAsync("US-CIA", new DateTimeOffset(2017, 5, 25, 9, 0, 0, TimeSpan.Zero));
        await RecordedAtAsync("US-CIA", "sharing_suspended");
        await fixture.CheckpointAsync();

        var pack = await GetAsync("/audit/evidence/partner/US-CIA");
        Assert.Equal(2, pack.GetProperty("events").GetArrayLength());
        Assert.Null(OfflineCheck.Pack(pack, fixture.PublicKey));
        Assert.Null(OfflineCheck.Pack(pack, fixture.VerifierKey));

        var edited = pack.GetRawText().Replace("photographs leaked", "nothing leaked", StringComparison.Ordinal);
        Assert.NotNull(OfflineCheck.Pack(JsonDocument.Parse(edited).RootElement, fixture.PublicKey));
        Assert.NotNull(OfflineCheck.Pack(JsonDocument.Parse(edited).RootElement, fixture.VerifierKey));
    }

    [Theory]
    [InlineData("/audit/timeline/disclosure/0b7c2f9e-0000-4000-8000-00000000dead")]
    [InlineData("/audit/timeline/partner/US-NEVER")]
    [InlineData("/audit/evidence/partner/US-NEVER")]
    public async Task A_stream_the_ledger_never_held_is_not_found_not_an_empty_answer(string path)
    {
        await fixture.CheckpointAsync();
        var response = await fixture.Compliance.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith("/not-found", JsonDocument.Parse(body).RootElement.GetProperty("type").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_recorded_only_after_asOf_is_an_empty_answer_of_what_the_ledger_knew_then()
    {
        await fixture.RegisterAsync("US-LATE");
        var registered = await RecordedAtAsync("US-LATE", "partner_registered");
        await fixture.CheckpointAsync();

        foreach (var kind in new[] { "timeline", "evidence" })
        {
            var before = await GetAsync($"/audit/{kind}/partner/US-LATE?asOf={Uri.EscapeDataString(LeafEncoding.Time(registered.AddTicks(-10)))}");
            Assert.Equal(0, before.GetProperty("events").GetArrayLength());
            var after = await GetAsync($"/audit/{kind}/partner/US-LATE?asOf={Uri.EscapeDataString(LeafEncoding.Time(registered))}");
            Assert.Equal(1, after.GetProperty("events").GetArrayLength());
        }
    }

    [Theory]
    [InlineData("/audit/timeline/spaceship/1")]
    [InlineData("/audit/events?limit=0")]
    [InlineData("/audit/events?limit=1001")]
    [InlineData("/audit/events?after=abc")]
    [InlineData("/audit/events?streamKind=spaceship")]
    [InlineData("/audit/events?from=2017-05-25T00:00:00Z&to=2017-05-24T00:00:00Z")]
    [InlineData("/audit/verify?from=5&to=1")]
    public async Task Bad_parameters_are_problem_details(string path)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
