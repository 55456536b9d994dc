using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>An escalation case as Escalation stores it (only the fields the partner filter reads): Intake never writes <c>Partners</c>.</summary>
internal sealed record CaseOpened(Guid CaseId, string Kind, IReadOnlyList<string> Partners, DateTimeOffset OccurredAt);

/// <summary>
/// <c>/audit/exposure</c> and <c>/audit/events?partner=</c> on events Intake really wrote: shares (recipients stored as
/// <c>{ Partner, Fingerprint }</c>), a suspension, a share refused because of it, and breaches.
/// </summary>
public sealed class ExposureTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private static readonly DateTimeOffset Shared = new(2017, 5, 23, 9, 15, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Suspended = new(2017, 5, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Published = new(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);

    private HttpClient Operator => fixture.Intake.ClientFor(Roles.Operator);

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> ShareAsync(Guid id, DateTimeOffset occurredAt, params string[] recipients) => Operator.PostAsJsonAsync("/disclosures", new
    {
        disclosureId = id,
        originator = "GMP",
        title = "Manchester Arena: scene photographs",
        classification = "secret",
        caveats = new[] { "UK-US-EYES-ONLY" },
        contentSha256 = new string('9', 64),
        recipients,
        sharedBy = "GMP counter-terrorism desk",
        occurredAt,
    });

    private async Task<Dictionary<string, string>> SharedAsync(Guid id, DateTimeOffset occurredAt, params string[] recipients)
    {
        var response = await ShareAsync(id, occurredAt, recipients);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            Assert.Fail($"the share: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        var receipt = await response.Content.ReadFromJsonAsync<JsonElement>();
        return receipt.GetProperty("fingerprints").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
    }

    private async Task<JsonElement> BreachAsync(object body)
    {
        var response = await Operator.PostAsJsonAsync("/breaches", body);
        if (response.StatusCode != HttpStatusCode.Created)
        {
            Assert.Fail($"the breach: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Suspension arrives over the bus: waits until the ledger holds it.</summary>
    private async Task SuspendAsync(string partner)
    {
        await fixture.SuspendAsync(partner, Suspended);
        await Eventually.TrueAsync(async () =>
            (await GetAsync($"/audit/events?streamKind=partner&streamId={partner}&type=sharing_suspended")).GetProperty("events").GetArrayLength() == 1,
            $"the suspension of {partner} in the ledger");
    }

    private Task<JsonElement> ExposureAsync(Guid id, string? at = null) => ExposureAsync(id.ToString(), at);

    private Task<JsonElement> ExposureAsync(string id, string? at = null) =>
        GetAsync($"/audit/exposure/{id}" + (at is null ? string.Empty : "?at=" + Uri.EscapeDataString(at)));

    private static string[] Partners(JsonElement exposure) =>
        exposure.GetProperty("holders").EnumerateArray().Select(h => h.GetProperty("partner").GetString()!).ToArray();

    private static string[] Names(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToArray();

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task Exposure_names_exactly_the_recipients_that_held_the_item_at_a_world_time_and_a_suspension_does_not_unshare_it()
    {
        foreach (var code in new[] { "EX-FBI", "EX-DHS", "EX-NSA" })
        {
            await fixture.RegisterAsync(code);
        }

        var photographs = Guid.NewGuid();
        var fingerprints = await SharedAsync(photographs, Shared, "EX-FBI", "EX-DHS");

        // Before the share nobody held the photographs; the answer still has the contract's shape.
        var before = await ExposureAsync(photographs, "2017-05-23T09:00:00Z");
        Assert.Equal(["disclosureId", "at", "holders"], Names(before));
        Assert.Equal(photographs.ToString(), before.GetProperty("disclosureId").GetString());
        Assert.Equal(new DateTimeOffset(2017, 5, 23, 9, 0, 0, TimeSpan.Zero), before.GetProperty("at").GetDateTimeOffset());
        Assert.Equal(JsonValueKind.Array, before.GetProperty("holders").ValueKind);
        Assert.Empty(Partners(before));

        // `at` is world time and inclusive; an offset is the same instant, answered in UTC.
        var atTheShare = await ExposureAsync(photographs, "2017-05-23T10:15:00+01:00");
        Assert.Equal(TimeSpan.Zero, atTheShare.GetProperty("at").GetDateTimeOffset().Offset);
        Assert.Equal(["EX-DHS", "EX-FBI"], Partners(atTheShare));

        var after = await ExposureAsync(photographs, "2017-05-24T18:00:00Z");
        Assert.Equal(["EX-DHS", "EX-FBI"], Partners(after));
        foreach (var holder in after.GetProperty("holders").EnumerateArray())
        {
            // No handling notice was acknowledged (Notification is not running here), so acknowledgedAt is absent.
            Assert.Equal(["partner", "sharedAt"], Names(holder));
            Assert.Equal(Shared, holder.GetProperty("sharedAt").GetDateTimeOffset());
        }

        // Suspending a partner stops future sharing; it does not take back what the partner already held.
        await SuspendAsync("EX-DHS");
        Assert.Equal(["EX-DHS", "EX-FBI"], Partners(await ExposureAsync(photographs, "2017-05-24T18:00:00Z")));

        // A share refused because a recipient is suspended exposes no one, not even the recipient that is not.
        var refused = Guid.NewGuid();
        var refusal = await ShareAsync(refused, Suspended.AddHours(1), "EX-FBI", "EX-DHS");
        Assert.Equal(HttpStatusCode.Conflict, refusal.StatusCode);
        Assert.Empty(Partners(await ExposureAsync(refused)));

        // The breach's exposure set (Intake's answer) and the Audit exposure at the leak are the same partners.
        var leak = await BreachAsync(new
        {
            disclosureId = photographs,
            outlet = "The New York Times",
            observedAt = Published,
            severity = "high",
            description = "Scene photographs published",
            reportedBy = "GMP",
        });
        Assert.Equal(["EX-DHS", "EX-FBI"], Strings(leak.GetProperty("exposureSet")));
        Assert.Equal(Strings(leak.GetProperty("exposureSet")), Partners(await ExposureAsync(photographs, "2017-05-24T18:00:00Z")));

        // The copy's fingerprint names one partner; exposure is still everyone who held it, now as then.
        var attributed = await BreachAsync(new
        {
            fingerprint = fingerprints["EX-FBI"],
            outlet = "CBS News",
            observedAt = Published.AddHours(1),
            severity = "high",
            description = "A fingerprinted copy",
            reportedBy = "GMP",
        });
        Assert.Equal("EX-FBI", attributed.GetProperty("attributedPartner").GetString());
        Assert.Equal(photographs.ToString(), attributed.GetProperty("disclosureId").GetString());
        var now = await ExposureAsync(photographs);
        Assert.Equal(["EX-DHS", "EX-FBI"], Partners(now));
        Assert.True(now.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));

        // The disclosure id is a UUID in any case.
        Assert.Equal(["EX-DHS", "EX-FBI"], Partners(await ExposureAsync(photographs.ToString().ToUpperInvariant(), "2017-05-24T18:00:00Z")));
    }

    [Fact]
    public async Task The_partner_filter_returns_exactly_the_events_that_concern_the_partner_in_sequence_order()
    {
        foreach (var code in new[] { "PF-A", "PF-AB", "PF-B", "PF-C" })
        {
            await fixture.RegisterAsync(code);
        }

        var shared = Guid.NewGuid();
        var fingerprints = await SharedAsync(shared, Shared, "PF-A", "PF-B");
        var toC = Guid.NewGuid();
        await SharedAsync(toC, Shared, "PF-C");
        await SuspendAsync("PF-B");
        var refused = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await ShareAsync(refused, Suspended.AddHours(1), "PF-A", "PF-B")).StatusCode);
        var leak = await BreachAsync(new
        {
            fingerprint = fingerprints["PF-A"],
            outlet = "The New York Times",
            observedAt = Published,
            severity = "high",
            description = "Scene photographs published",
            reportedBy = "GMP",
        });
        var breach = leak.GetProperty("breachId").GetString();
        var caseId = Guid.NewGuid();
        var store = fixture.Audit.Services.GetRequiredService<IDocumentStore>();
        await using (var session = store.LightweightSession())
        {
            session.Events.StartStream($"case/{caseId}", new CaseOpened(caseId, "breach", ["PF-B", "PF-C"], Published));
            await session.SaveChangesAsync();
        }

        async Task<string[]> ConcerningAsync(string partner, string query = "")
        {
            var events = (await GetAsync($"/audit/events?partner={partner}{query}")).GetProperty("events").EnumerateArray().ToList();
            var sequences = events.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
            Assert.Equal(sequences.Order(), sequences);
            return events.Select(e => $"{e.GetProperty("streamKind").GetString()}/{e.GetProperty("streamId").GetString()} {e.GetProperty("type").GetString()}").ToArray();
        }

        // Own stream; a recipient's Partner ({ Partner, Fingerprint }); the refused share's recipients (bare codes);
        // the breach's ExposureSet and AttributedPartner; a case's Partners; the suspension's Partner.
        Assert.Equal(
            ["partner/PF-A partner_registered", $"disclosure/{shared} disclosure_recorded", $"disclosure/{refused} sharing_blocked", $"breach/{breach} breach_reported"],
            await ConcerningAsync("PF-A"));
        Assert.Equal(
            ["partner/PF-B partner_registered", $"disclosure/{shared} disclosure_recorded", "partner/PF-B sharing_suspended", $"disclosure/{refused} sharing_blocked",
                $"breach/{breach} breach_reported", $"case/{caseId} case_opened"],
            await ConcerningAsync("PF-B"));
        Assert.Equal(["partner/PF-C partner_registered", $"disclosure/{toC} disclosure_recorded", $"case/{caseId} case_opened"], await ConcerningAsync("PF-C"));

        // A code that another code starts with matches only its own events, and an unknown code matches nothing.
        Assert.Equal(["partner/PF-AB partner_registered"], await ConcerningAsync("PF-AB"));
        Assert.Empty(await ConcerningAsync("PF-Z"));

        // The filter combines with the others and pages like them.
        Assert.Equal([$"breach/{breach} breach_reported"], await ConcerningAsync("PF-B", "&type=breach_reported"));
        var first = await GetAsync("/audit/events?partner=PF-B&limit=4");
        var next = first.GetProperty("next").GetString();
        Assert.Equal(4, first.GetProperty("events").GetArrayLength());
        Assert.Equal([$"breach/{breach} breach_reported", $"case/{caseId} case_opened"], await ConcerningAsync("PF-B", $"&after={next}"));
    }

    [Fact]
    public async Task Exposure_of_a_disclosure_the_ledger_never_held_is_not_found_not_an_empty_list()
    {
        var never = Guid.NewGuid();
        var response = await fixture.Compliance.GetAsync($"/audit/exposure/{never}?at=2017-05-24T18:00:00Z");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.EndsWith("/not-found", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.Contains(never.ToString(), problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/audit/exposure/not-a-uuid", "disclosureId")]
    [InlineData("/audit/exposure/6b1f3a52-0000-4000-8000-000000000002?at=yesterday", "at")]
    [InlineData("/audit/exposure/6b1f3a52-0000-4000-8000-000000000002?at=2017-05-32T00:00:00Z", "at")]
    public async Task Exposure_with_a_bad_parameter_is_a_validation_problem_naming_the_field(string path, string field)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.EndsWith("/validation", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        var errors = problem.GetProperty("errors");
        Assert.Equal([field], Names(errors));
        Assert.NotEmpty(Strings(errors.GetProperty(field)));
    }

    [Fact]
    public async Task Exposure_with_both_parameters_bad_names_both_fields_and_without_a_token_is_refused()
    {
        var response = await fixture.Compliance.GetAsync("/audit/exposure/photographs?at=soon");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["at", "disclosureId"], Names(problem.GetProperty("errors")).Order(StringComparer.Ordinal).ToArray());

        using var anonymous = fixture.Audit.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync($"/audit/exposure/{Guid.NewGuid()}")).StatusCode);
    }
}
