using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.Intake;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>Intake and Escalation on one database and vhost (one platform), with a clock the tests move.</summary>
public class EscalationFixture : PlatformFixture
{
    // Tokens outlive the moved clock: the services validate them against it.
    private static readonly TimeSpan TokenLifetime = TimeSpan.FromDays(60);

    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public ServiceHost<IntakeApp> Intake { get; private set; } = null!;

    public ServiceHost<EscalationApp> Escalation { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public LedgerReader Ledger { get; private set; } = null!;

    public HttpClient IntakeAdmin { get; private set; } = null!;

    public HttpClient IntakeOperator { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Intake = new ServiceHost<IntakeApp>(this, services: s => s.AddSingleton<TimeProvider>(Clock));
        IntakeAdmin = Client(Intake, Roles.Admin);
        IntakeOperator = Client(Intake, Roles.Operator);
        await Eventually.TrueAsync(async () => (await IntakeAdmin.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        await StartEscalationAsync();
        Probe = await BusProbe.ConnectAsync(Bus);
        Ledger = new LedgerReader(Database);
    }

    public ServiceHost<EscalationApp> NewEscalationHost(IReadOnlyDictionary<string, string?>? extra = null) =>
        new(this, extra, s =>
        {
            s.AddSingleton<TimeProvider>(Clock);
            ConfigureEscalation(s);
        });

    /// <summary>Starts (or restarts) the Escalation service.</summary>
    public async Task StartEscalationAsync()
    {
        if (Escalation is not null)
        {
            await Escalation.DisposeAsync();
        }

        Escalation = NewEscalationHost(EscalationSettings);
        Operator = Client(Escalation, Roles.Operator);
        await Eventually.TrueAsync(async () => (await Operator.GetAsync("/health/ready")).IsSuccessStatusCode, "Escalation to be ready");
    }

    /// <summary>Settings a derived fixture gives the Escalation host it starts.</summary>
    protected virtual IReadOnlyDictionary<string, string?>? EscalationSettings => null;

    /// <summary>What a derived fixture adds to the Escalation host, e.g. a fault to inject.</summary>
    protected virtual void ConfigureEscalation(IServiceCollection services)
    {
    }

    public HttpClient Client<T>(ServiceHost<T> host, string role, string? partner = null)
        where T : class
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LongToken(role, partner));
        return client;
    }

    public string LongToken(string role, string? partner = null) => Token(role, partner, TokenLifetime);

    public override async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Escalation.DisposeAsync();
        await Intake.DisposeAsync();
        await base.DisposeAsync();
    }

    public async Task RegisterAsync(string code)
    {
        var response = await IntakeAdmin.PutAsJsonAsync($"/partners/{code}", new { name = code + " agency", country = "United States", channel = new { kind = "bus" } });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Shares an item with the partner and returns the disclosure id and the partner's fingerprint.</summary>
    public async Task<(Guid DisclosureId, string Fingerprint)> ShareAsync(string partner, string classification = "secret", string caveat = "UK-EYES-ONLY")
    {
        var response = await IntakeOperator.PostAsJsonAsync("/disclosures", new
        {
            originator = "UK-GMP",
            title = "Crime scene photographs",
            classification,
            caveats = new[] { caveat },
            contentSha256 = new string('c', 64),
            recipients = new[] { partner },
            sharedBy = "GMP liaison",
            occurredAt = Clock.GetUtcNow().AddHours(-1),
        });
        response.EnsureSuccessStatusCode();
        var body = await Json(response);
        return (body.GetProperty("disclosureId").GetGuid(), body.GetProperty("fingerprints").GetProperty(partner).GetString()!);
    }

    /// <summary>Reports a leak of the partner's copy (attributed by its fingerprint); returns the breach id.</summary>
    public async Task<Guid> ReportLeakAsync(string partner, string severity = "high", string classification = "secret", string caveat = "UK-EYES-ONLY")
    {
        var (disclosureId, fingerprint) = await ShareAsync(partner, classification, caveat);
        var response = await IntakeOperator.PostAsJsonAsync("/breaches", new
        {
            disclosureId,
            fingerprint,
            outlet = "The Daily Example",
            observedAt = Clock.GetUtcNow(),
            severity,
            description = "Photographs printed on the front page",
            reportedBy = "press office",
        });
        response.EnsureSuccessStatusCode();
        return (await Json(response)).GetProperty("breachId").GetGuid();
    }

    public async Task<JsonElement> CaseAsync(Guid caseId, Func<JsonElement, bool> until, string what)
    {
        return await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var response = await Operator.GetAsync($"/escalations/{caseId}");
            if (!response.IsSuccessStatusCode)
            {
                return null;
            }

            var body = await Json(response);
            return until(body) ? body : null;
        }, what) ?? throw new InvalidOperationException(what);
    }

    public async Task<JsonElement> PartnerAsync(string code, string sharing) =>
        await Eventually.GetAsync<JsonElement?>(async () =>
        {
            var body = await Json(await IntakeAdmin.GetAsync($"/partners/{code}"));
            return body.GetProperty("sharing").GetString() == sharing ? body : null;
        }, $"{code} to be {sharing} in Intake") ?? throw new InvalidOperationException(code);

    /// <summary>The events recording one response on one case.</summary>
    public async Task<IReadOnlyList<LedgerRow>> ResponsesAsync(Guid caseId, Guid responseId) =>
        [.. (await Ledger.ReadAsync(EscalationCase.StreamFor(caseId), "case_response_received"))
            .Where(r => r.Data.GetProperty("ResponseId").GetGuid() == responseId)];

    /// <summary>A partner's response, published as Notification does (plain JSON on the contract exchange).</summary>
    public Task RespondAsync(string partner, Guid? breachId, string kind, DateTimeOffset? validUntil = null, string[]? scope = null) =>
        RespondAsync(partner, breachId, kind, Guid.NewGuid(), Guid.NewGuid(), validUntil, scope);

    /// <summary>The same, with the response id and the message id chosen by the caller.</summary>
    public Task RespondAsync(string partner, Guid? breachId, string kind, Guid responseId, Guid messageId, DateTimeOffset? validUntil = null, string[]? scope = null) =>
        Probe.PublishRawAsync("DiplomaticResponseRecorded", JsonSerializer.Serialize(new
        {
            responseId,
            partner,
            breachId,
            kind,
            statement = "We have taken steps and it will not happen again.",
            respondent = "Ambassador",
            validUntil,
            scope,
            occurredAt = Clock.GetUtcNow(),
        }), messageId);

    public static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}
