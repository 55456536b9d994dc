using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Intake;
using AuditPlatform.Notification.Notices;
using AuditPlatform.Notification.Partners;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// Intake and Notification on one database and vhost (one platform), a webhook receiver on loopback, and a bus
/// probe. Back-off is configured short so retries run in well under a second; nothing waits on the clock.
/// </summary>
public class NotificationFixture : PlatformFixture
{
    public ServiceHost<IntakeApp> Intake { get; private set; } = null!;

    public ServiceHost<NotificationApp> Notification { get; private set; } = null!;

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public LedgerReader Ledger { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Operator { get; private set; } = null!;

    public HttpClient NotificationOperator { get; private set; } = null!;

    public HttpClient NotificationAdmin { get; private set; } = null!;

    /// <summary>Delivery settings for this fixture's Notification.</summary>
    protected virtual IReadOnlyDictionary<string, string?> DeliverySettings => new Dictionary<string, string?>
    {
        ["Notification:MaxAttempts"] = "6",
        ["Notification:BaseDelay"] = "00:00:00.040",
        ["Notification:MaxDelay"] = "00:00:00.300",
        ["Notification:AttemptTimeout"] = "00:00:05",
        ["Notification:SweepInterval"] = "00:00:00.100",
    };

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Webhooks = await WebhookReceiver.StartAsync();
        Intake = new ServiceHost<IntakeApp>(this);
        Admin = Intake.ClientFor(Roles.Admin);
        Operator = Intake.ClientFor(Roles.Operator);
        await Eventually.TrueAsync(async () => (await Admin.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        await StartNotificationAsync();
        Probe = await BusProbe.ConnectAsync(Bus);
        Ledger = new LedgerReader(Database);
    }

    public async Task StartNotificationAsync()
    {
        Notification = new ServiceHost<NotificationApp>(this, DeliverySettings);
        NotificationOperator = Notification.ClientFor(Roles.Operator);
        NotificationAdmin = Notification.ClientFor(Roles.Admin);
        await Eventually.TrueAsync(async () => (await NotificationOperator.GetAsync("/health/ready")).IsSuccessStatusCode, "Notification to be ready");
    }

    /// <summary>Stops Notification as a restart would: its worker and consumers end, the ledger keeps what they recorded.</summary>
    public async Task StopNotificationAsync()
    {
        NotificationOperator.Dispose();
        NotificationAdmin.Dispose();
        await Notification.DisposeAsync();
    }

    public override async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Notification.DisposeAsync();
        await Intake.DisposeAsync();
        await Webhooks.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>
    /// Registers a partner with Intake, sets its webhook secret on Notification (the one service that holds it), and
    /// waits until Notification has heard of its channel.
    /// </summary>
    public async Task RegisterAsync(string code, Uri? webhook = null, string? secret = null)
    {
        var channel = webhook is null ? (object)new { kind = "bus" } : new { kind = "webhook", webhookUrl = webhook };
        if (secret is not null)
        {
            (await SetSecretAsync(code, secret)).EnsureSuccessStatusCode();
        }

        var response = await Admin.PutAsJsonAsync($"/partners/{code}", new { name = code + " agency", country = "United States", channel });
        response.EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => await ChannelAsync(code) is { Kind: not null }, $"Notification to know {code}'s channel");
    }

    /// <summary>Sets (or, without a secret, generates) a partner's webhook secret on Notification, as an admin.</summary>
    public Task<HttpResponseMessage> SetSecretAsync(string code, string? secret) =>
        NotificationAdmin.PutAsJsonAsync($"/partners/{code}/webhook-secret", new { secret });

    public async Task<PartnerChannel?> ChannelAsync(string code)
    {
        await using var query = Notification.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.LoadAsync<PartnerChannel>(code);
    }

    /// <summary>Shares an item through Intake's HTTP API; returns its id and the recipients' fingerprints.</summary>
    public async Task<(Guid DisclosureId, IReadOnlyDictionary<string, string> Fingerprints)> ShareAsync(params string[] recipients)
    {
        var response = await Operator.PostAsJsonAsync("/disclosures", Disclosure(null, recipients));
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("disclosureId").GetGuid(),
            body.GetProperty("fingerprints").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }

    /// <summary>The notices of a partner as an operator lists them.</summary>
    public async Task<IReadOnlyList<JsonElement>> NoticesAsync(string partner, string? status = null)
    {
        var query = $"/notifications?partner={partner}" + (status is null ? string.Empty : "&status=" + status);
        return [.. (await NotificationOperator.GetFromJsonAsync<JsonElement>(query)).EnumerateArray()];
    }

    /// <summary>Waits until a notice of the partner reaches the status.</summary>
    public async Task<JsonElement> NoticeInStatusAsync(string partner, string status, string? kind = null) =>
        (await Eventually.GetAsync<JsonElement?>(async () => (await NoticesAsync(partner, status)).Cast<JsonElement?>()
            .FirstOrDefault(n => kind is null || n!.Value.GetProperty("kind").GetString() == kind), $"a {status} notice for {partner}")).GetValueOrDefault();

    public async Task<Notice?> NoticeAsync(Guid noticeId)
    {
        await using var query = Notification.Services.GetRequiredService<IDocumentStore>().QuerySession();
        return await query.LoadAsync<Notice>(Notice.StreamFor(noticeId));
    }

    public static object Disclosure(Guid? id, params string[] recipients) => new
    {
        disclosureId = id,
        originator = "UK-GMP",
        title = "Crime scene photographs",
        classification = "secret",
        caveats = new[] { "UK-EYES-ONLY-UNTIL-RELEASE", "NO-MEDIA" },
        contentSha256 = new string('c', 64),
        recipients,
        sharedBy = "GMP liaison",
        occurredAt = "2017-05-23T08:00:00Z",
    };
}

/// <summary>The same platform, with attempts enough that a notice is still being retried when the service stops.</summary>
public sealed class RestartFixture : NotificationFixture
{
    protected override IReadOnlyDictionary<string, string?> DeliverySettings => new Dictionary<string, string?>(base.DeliverySettings)
    {
        ["Notification:MaxAttempts"] = "200",
    };
}

/// <summary>The same platform with a sweep so slow it never runs again during a test, and four deliveries at once: only the doorbell delivers.</summary>
public sealed class SlowSweepFixture : NotificationFixture
{
    protected override IReadOnlyDictionary<string, string?> DeliverySettings => new Dictionary<string, string?>(base.DeliverySettings)
    {
        ["Notification:SweepInterval"] = "01:00:00",
        ["Notification:MaxConcurrentDeliveries"] = "4",
    };
}

/// <summary>The same platform with two deliveries at once and retries ten minutes apart: a notice that failed waits long.</summary>
public sealed class PatientRetryFixture : NotificationFixture
{
    protected override IReadOnlyDictionary<string, string?> DeliverySettings => new Dictionary<string, string?>(base.DeliverySettings)
    {
        ["Notification:MaxConcurrentDeliveries"] = "2",
        ["Notification:BaseDelay"] = "00:10:00",
        ["Notification:MaxDelay"] = "00:30:00",
    };
}
