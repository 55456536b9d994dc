using System.Net.Http.Json;
using AuditPlatform.Intake;
using AuditPlatform.Notification;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.Security.Tests;

public sealed class LogBattery : IAsyncLifetime
{
    private readonly PlatformFixture fixture = new();
    private readonly CapturedLogs logs = new();
    private ServiceHost<IntakeApp> intake = null!;
    private ServiceHost<NotificationApp> notification = null!;

    public async Task InitializeAsync()
    {
        await fixture.InitializeAsync();
        intake = new ServiceHost<IntakeApp>(fixture, services: s => s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        notification = new ServiceHost<NotificationApp>(fixture, services: s => s.AddLogging(l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Trace)));
        using var probe = intake.CreateClient();
        await Eventually.TrueAsync(async () => (await probe.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        using var notificationProbe = notification.CreateClient();
        await Eventually.TrueAsync(async () => (await notificationProbe.GetAsync("/health/ready")).IsSuccessStatusCode, "Notification to be ready");
    }

    public async Task DisposeAsync()
    {
        await notification.DisposeAsync();
        await intake.DisposeAsync();
        await fixture.DisposeAsync();
    }

    [Fact]
    public async Task Logs_never_contain_a_token_a_webhook_secret_or_a_content_hash()
    {
        const string webhookSecret = "partner-webhook-secret-do-not-log-0001";
        var contentHash = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        var operatorToken = fixture.Token(Roles.Operator);
        using var admin = intake.ClientFor(Roles.Admin);
        using var operatorClient = intake.CreateClient();
        operatorClient.DefaultRequestHeaders.Authorization = new("Bearer", operatorToken);

        using var notificationAdmin = notification.ClientFor(Roles.Admin);
        (await notificationAdmin.PutAsJsonAsync("/partners/LOG-HOOK/webhook-secret", new { secret = webhookSecret })).EnsureSuccessStatusCode();
        (await admin.PutAsJsonAsync("/partners/LOG-HOOK", new { name = "n", country = "c", channel = new { kind = "webhook", webhookUrl = "http://127.0.0.1:9/x" } })).EnsureSuccessStatusCode();
        (await operatorClient.PostAsJsonAsync("/disclosures", new
        {
            originator = "UK-GMP",
            title = "t",
            classification = "secret",
            caveats = Array.Empty<string>(),
            contentSha256 = contentHash,
            recipients = new[] { "LOG-HOOK" },
            sharedBy = "x",
            occurredAt = "2017-05-23T08:00:00Z",
        })).EnsureSuccessStatusCode();
        await operatorClient.PostAsJsonAsync("/disclosures", new { contentSha256 = contentHash, recipients = new[] { "NOPE-1" } });
        using var anonymous = intake.CreateClient();
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", operatorToken + "tampered");
        await anonymous.GetAsync("/partners/LOG-HOOK");
        await using (var probe = await BusProbe.ConnectAsync(fixture.Bus))
        {
            await probe.PublishRawAsync("RecordDisclosure", "{\"contentSha256\":\"" + contentHash + "\"}", Guid.NewGuid(), operatorToken);
            await Eventually.TrueAsync(async () => await probe.CountAsync("intake-record-disclosure_error") > 0, "the invalid command in the error queue");
        }

        // A signed delivery was attempted (port 9 refuses it), so the signing path wrote what it logs.
        using var notificationOperator = notification.ClientFor(Roles.Operator);
        await Eventually.TrueAsync(async () => (await notificationOperator.GetFromJsonAsync<System.Text.Json.JsonElement>("/notifications?partner=LOG-HOOK"))
            .EnumerateArray().Any(n => n.GetProperty("attempts").GetInt32() > 0), "a webhook attempt for LOG-HOOK");
        Assert.NotEmpty(logs.Lines);
        var leaks = logs.Lines.Where(l => l.Contains(operatorToken, StringComparison.Ordinal) || l.Contains(webhookSecret, StringComparison.Ordinal)
            || l.Contains(contentHash, StringComparison.Ordinal) || l.Contains(operatorToken.Split('.')[2], StringComparison.Ordinal)).ToList();
        Assert.True(SecurityTable.Record("logs", $"{logs.Lines.Count} log lines searched for tokens, webhook secrets and content hashes", "none found", leaks.Count == 0 ? "none found" : $"{leaks.Count} found"),
            string.Join(Environment.NewLine, leaks.Take(3)));
    }

    /// <summary>
    /// Marten's own logger writes every statement of a failed batch at Error with its parameter values: what the
    /// ledger keeps (titles, content hashes, fingerprints) copied into the log, for failures the command path handles
    /// itself (a lost race retried, a duplicate refused, PostgreSQL away or out of disk). The services turn that
    /// logger off (<c>Marten.IDocumentStore</c> in their settings); a real failed append through the service's own
    /// session must leave its values nowhere in the log.
    /// </summary>
    [Fact]
    public async Task A_failed_ledger_statement_leaves_none_of_its_values_in_the_log()
    {
        var name = "Agency never to be logged " + Guid.NewGuid().ToString("N");
        var store = intake.Services.GetRequiredService<Marten.IDocumentStore>();
        var stream = "partner/LOG-RACE-" + Guid.NewGuid().ToString("N")[..8];
        await using (var first = store.LightweightSession())
        {
            first.Events.StartStream(stream, new AuditPlatform.Intake.Ledger.PartnerRegistered("LOG-RACE", "Log race", "c", "bus", null, DateTimeOffset.UtcNow));
            await first.SaveChangesAsync();
        }

        // Started again, as two commands racing to open one stream would, through the service's own session and in a
        // transaction as the command path writes: the ledger refuses it (a duplicate key) and writes nothing.
        using var scope = intake.Services.CreateScope();
        var late = scope.ServiceProvider.GetRequiredService<Marten.IDocumentSession>();
        await late.BeginTransactionAsync(CancellationToken.None);
        late.Events.StartStream(stream, new AuditPlatform.Intake.Ledger.SharingSuspended("LOG-RACE", "operator", name, null, DateTimeOffset.UtcNow));
        await Assert.ThrowsAnyAsync<Exception>(() => late.SaveChangesAsync());

        var leaks = logs.Lines.Where(l => l.Contains(name, StringComparison.Ordinal)).ToList();
        Assert.True(SecurityTable.Record("logs", "a failed ledger append: its values searched for in every log line", "none found", leaks.Count == 0 ? "none found" : $"{leaks.Count} found"),
            string.Join(Environment.NewLine, leaks.Take(2)));
    }
}
