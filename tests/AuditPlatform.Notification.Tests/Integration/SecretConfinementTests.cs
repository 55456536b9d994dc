using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// A partner's webhook secret is known to Notification alone: it crosses no exchange and is stored in no table
/// in plaintext, from registration through deliveries, failures and a rotation.
/// </summary>
public sealed class SecretConfinementTests(NotificationFixture fixture) : IClassFixture<NotificationFixture>
{
    /// <summary>The secret as text, and the forms it would take inside base64 or bytea columns.</summary>
    private static string[] FormsOf(string secret) =>
        [secret, Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), Convert.ToHexStringLower(Encoding.UTF8.GetBytes(secret))];

    private static async Task<JsonElement> Json(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    private async Task<Guid> DeliveredAsync(string partner, Guid disclosureId) =>
        (await Eventually.GetAsync<JsonElement?>(async () => (await fixture.NoticesAsync(partner, "delivered")).Cast<JsonElement?>()
            .FirstOrDefault(n => n!.Value.GetProperty("disclosureId").GetGuid() == disclosureId), $"the notice of {disclosureId} delivered to {partner}"))!.Value
            .GetProperty("noticeId").GetGuid();

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

        // A generated secret (returned once), a failed attempt, a delivery, then a rotation to a secret the admin chose.
        var generated = (await Json(await fixture.SetSecretAsync("NZ-GCSB", null))).GetProperty("secret").GetString()!;
        var answers = 0;
        var hook = fixture.Webhooks.Serve("nz-gcsb", generated, _ => ++answers == 1 ? 503 : 200);
        await fixture.RegisterAsync("NZ-GCSB", hook);
        var (first, _) = await fixture.ShareAsync("NZ-GCSB");
        await DeliveredAsync("NZ-GCSB", first);
        const string chosen = "nz-gcsb-webhook-secret-0002";
        (await fixture.SetSecretAsync("NZ-GCSB", chosen)).EnsureSuccessStatusCode();
        var (second, _) = await fixture.ShareAsync("NZ-GCSB");
        await DeliveredAsync("NZ-GCSB", second);
        Assert.Contains(fixture.Webhooks.For("nz-gcsb"), h => h.SignatureValid && h.Answered == 200);

        // The last delivery's own event went through the tap, so everything published before it did too.
        await Eventually.TrueAsync(() => tap.Seen.Any(m => m.Exchange.EndsWith(":PartnerNotified", StringComparison.Ordinal) && m.Body.Contains(second.ToString(), StringComparison.Ordinal)),
            "the second delivery's PartnerNotified on the tap");
        Assert.Contains(tap.Seen, m => m.Exchange.EndsWith(":PartnerRegistered", StringComparison.Ordinal) && m.Body.Contains("NZ-GCSB", StringComparison.Ordinal));
        Assert.Empty((await BusTap.ListExchangesAsync(management, fixture.VirtualHost)).Keys.Except(tap.Exchanges));
        var forms = FormsOf(generated).Concat(FormsOf(chosen)).Concat(FormsOf(warmSecret)).ToArray();
        var onTheBus = tap.Seen.Where(m => forms.Any(m.Contains)).Select(m => "exchange " + m.Exchange);
        var inTables = (await DatabaseScan.TablesContainingAsync(fixture.Database, forms)).Select(t => "table " + t);
        Assert.Empty(onTheBus.Concat(inTables).Distinct());
    }

    [Fact]
    public async Task During_a_rotation_deliveries_carry_both_signatures_so_the_partner_switches_over_without_losing_a_notice()
    {
        const string old = "se-sapo-secret-before-rotation";
        const string next = "se-sapo-secret-after-rotation";
        var hook = fixture.Webhooks.Serve("se-sapo", old, _ => 200);
        await fixture.RegisterAsync("SE-SAPO", hook, old);
        var (before, _) = await fixture.ShareAsync("SE-SAPO");
        await DeliveredAsync("SE-SAPO", before);

        var rotated = await Json(await fixture.SetSecretAsync("SE-SAPO", next));
        Assert.False(rotated.TryGetProperty("secret", out var shown) && shown.ValueKind != JsonValueKind.Null, "a secret the admin chose is not echoed");
        var setAt = rotated.GetProperty("setAt").GetDateTimeOffset();
        Assert.Equal(setAt + TimeSpan.FromDays(7), rotated.GetProperty("previousValidUntil").GetDateTimeOffset());

        // The partner still verifies with the old secret: the previous-secret signature lets the notice through.
        var (during, _) = await fixture.ShareAsync("SE-SAPO");
        var duringId = await DeliveredAsync("SE-SAPO", during);
        var post = Assert.Single(fixture.Webhooks.For("se-sapo"), h => h.NoticeId == duringId.ToString());
        Assert.False(post.SignatureValid);
        Assert.True(post.PreviousSignatureValid, "X-Audit-Signature-Previous verifies under the old secret");

        // Once it has switched, the main signature verifies.
        fixture.Webhooks.Verify("se-sapo", next);
        var (after, _) = await fixture.ShareAsync("SE-SAPO");
        var afterId = await DeliveredAsync("SE-SAPO", after);
        Assert.True(Assert.Single(fixture.Webhooks.For("se-sapo"), h => h.NoticeId == afterId.ToString()).SignatureValid);

        // Setting the same secret again changes nothing; reading it never shows it.
        var again = await Json(await fixture.SetSecretAsync("SE-SAPO", next));
        Assert.Equal(setAt, again.GetProperty("setAt").GetDateTimeOffset());
        var read = await Json(await fixture.NotificationAdmin.GetAsync("/partners/SE-SAPO/webhook-secret"));
        Assert.Equal(setAt, read.GetProperty("setAt").GetDateTimeOffset());
        Assert.False(read.TryGetProperty("secret", out var hidden) && hidden.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task A_webhook_notice_waits_for_its_secret_and_is_delivered_once_the_admin_sets_it()
    {
        const string secret = "fi-supo-secret-set-late";
        var hook = fixture.Webhooks.Serve("fi-supo", secret, _ => 200);
        await fixture.RegisterAsync("FI-SUPO", hook);
        var (disclosureId, _) = await fixture.ShareAsync("FI-SUPO");
        await Eventually.TrueAsync(async () => (await fixture.NoticesAsync("FI-SUPO")).Any(n => n.TryGetProperty("lastError", out var e) && e.GetString()!.Contains("No webhook secret", StringComparison.Ordinal)),
            "an attempt refused for want of a secret");

        (await fixture.SetSecretAsync("FI-SUPO", secret)).EnsureSuccessStatusCode();

        var noticeId = await DeliveredAsync("FI-SUPO", disclosureId);
        Assert.True(Assert.Single(fixture.Webhooks.For("fi-supo"), h => h.NoticeId == noticeId.ToString()).SignatureValid);
    }

    [Fact]
    public async Task Only_an_admin_sets_a_webhook_secret_and_a_short_one_is_refused()
    {
        var tooShort = await fixture.SetSecretAsync("DK-PET", "short");
        Assert.Equal(HttpStatusCode.BadRequest, tooShort.StatusCode);
        Assert.True((await Json(tooShort)).GetProperty("errors").TryGetProperty("secret", out _));
        var byOperator = await fixture.NotificationOperator.PutAsJsonAsync("/partners/DK-PET/webhook-secret", new { secret = "an-operator-may-not-set-this" });
        Assert.Equal(HttpStatusCode.Forbidden, byOperator.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.NotificationAdmin.GetAsync("/partners/DK-PET/webhook-secret")).StatusCode);
    }
}
