using System.Net.Http.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>Intake running on its own database and vhost, with a clock the tests move.</summary>
public sealed class IntakeFixture : PlatformFixture
{
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 23, 9, 0, 0, TimeSpan.Zero));

    public ServiceHost<IntakeApp> Intake { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public LedgerReader Ledger { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Intake = new ServiceHost<IntakeApp>(this, services: s => s.AddSingleton<TimeProvider>(Clock));
        Admin = Intake.ClientFor(Roles.Admin);
        Operator = Intake.ClientFor(Roles.Operator);
        await Eventually.TrueAsync(async () => (await Admin.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        Probe = await BusProbe.ConnectAsync(Bus);
        Ledger = new LedgerReader(Database);
    }

    public override async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Intake.DisposeAsync();
        await base.DisposeAsync();
    }

    public async Task RegisterAsync(string code, string kind = "bus")
    {
        var response = await Admin.PutAsJsonAsync($"/partners/{code}", new
        {
            name = code + " agency",
            country = "United States",
            channel = kind == "bus" ? (object)new { kind } : new { kind, webhookUrl = "http://127.0.0.1:9/hook" },
        });
        response.EnsureSuccessStatusCode();
    }

    public static object Disclosure(Guid? id, params string[] recipients) => new
    {
        disclosureId = id,
        originator = "UK-GMP",
        title = "Crime scene photographs",
        classification = "secret",
        caveats = new[] { "UK-EYES-ONLY-UNTIL-RELEASE" },
        contentSha256 = new string('c', 64),
        recipients,
        sharedBy = "GMP liaison",
        occurredAt = "2017-05-23T08:00:00Z",
    };
}
