using System.Text;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// A partner's webhook secret is known to Notification alone: it crosses no exchange and is stored in no table
/// in plaintext, from registration through deliveries, failures and a rotation (issue 14, point 1).
/// </summary>
public sealed class SecretConfinementTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    /// <summary>The secret as text, and the forms it would take inside base64 or bytea columns.</summary>
    private static string[] FormsOf(string secret) =>
        [secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret))];

    [Fact]
    public async Task A_webhook_secret_crosses_no_exchange_and_lies_in_no_table_in_plaintext()
    {
        // Every exchange the platform uses exists before the tap starts: a first partner goes through everything once.
        const string warmSecret = "warm-up-secret-of-some-length";
        await fixture.RegisterAsync("WARM-UP", fixture.Webhooks.Serve("warm-up", warmSecret, _ => 200), warmSecret);
        await fixture.RegisterAsync("WARM-BUS");
        await fixture.ShareAsync("WARM-UP", "WARM-BUS");
        await fixture.NoticeInStatusAsync("WARM-UP", "delivered");
        using var management = fixture.Servers.ManagementClient();
        await using var tap = await BusTap.StartAsync(fixture.Bus, management, fixture.VirtualHost);

        const string secret = "nz-gcsb-webhook-secret-0001";
        var answers = 0;
        var hook = fixture.Webhooks.Serve("nz-gcsb", secret, _ => ++answers == 1 ? 503 : 200);
        await fixture.RegisterAsync("NZ-GCSB", hook, secret);
        var (disclosureId, _) = await fixture.ShareAsync("NZ-GCSB");
        await fixture.NoticeInStatusAsync("NZ-GCSB", "delivered");
        Assert.Contains(fixture.Webhooks.For("nz-gcsb"), h => h.SignatureValid && h.Answered == 200);

        // The delivery's own event went through the tap, so everything published before it did too.
        await Eventually.TrueAsync(() => tap.Seen.Any(m => m.Exchange.EndsWith(":PartnerNotified", StringComparison.Ordinal) && m.Body.Contains(disclosureId.ToString(), StringComparison.Ordinal)),
            "the delivery's PartnerNotified on the tap");
        Assert.Contains(tap.Seen, m => m.Exchange.EndsWith(":PartnerRegistered", StringComparison.Ordinal) && m.Body.Contains("NZ-GCSB", StringComparison.Ordinal));
        Assert.Empty((await BusTap.ListExchangesAsync(management, fixture.VirtualHost)).Keys.Except(tap.Exchanges));
        var forms = FormsOf(secret);
        var onTheBus = tap.Seen.Where(m => forms.Any(m.Contains)).Select(m => "exchange " + m.Exchange);
        var inTables = (await DatabaseScan.TablesContainingAsync(fixture.Database, forms)).Select(t => "table " + t);
        Assert.Empty(onTheBus.Concat(inTables).Distinct());
    }
}
