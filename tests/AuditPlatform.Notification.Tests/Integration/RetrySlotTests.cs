using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// A notice waiting for its next attempt holds no delivery slot: a partner whose webhook is down cannot hold up
/// the notices of every other partner while its own wait out their retries.
/// </summary>
public sealed class RetrySlotTests(PatientRetryFixture fixture) : IClassFixture<PatientRetryFixture>
{
    private const string Secret = "a-webhook-secret-of-some-length";

    [Fact]
    public async Task Notices_to_a_partner_that_is_down_wait_for_their_retries_without_holding_the_slots_of_other_partners()
    {
        // Partners no other test in this process uses: the delivery meters are the process's, and NoticeDeliveryTests
        // counts attempts by partner while this class runs beside it.
        var hook = fixture.Webhooks.Serve("it-aise", Secret, _ => 503);
        await fixture.RegisterAsync("IT-AISE", hook, Secret);
        await fixture.RegisterAsync("IT-AISI");

        // Four notices to the partner that is down, twice the two deliveries this worker runs at once: each still gets
        // its first attempt, because a failed one leaves its slot until its retry ten minutes later.
        for (var i = 0; i < 4; i++)
        {
            await fixture.ShareAsync("IT-AISE");
        }

        await Eventually.TrueAsync(
            async () => (await fixture.NoticesAsync("IT-AISE", "pending")).Count(n => n.GetProperty("attempts").GetInt32() == 1) == 4,
            "each of the four notices to have failed its first attempt");
        var (disclosureId, _) = await fixture.ShareAsync("IT-AISI");

        var delivered = await fixture.NoticeInStatusAsync("IT-AISI", "delivered");
        Assert.Equal(disclosureId, delivered.GetProperty("disclosureId").GetGuid());
        var waiting = await fixture.NoticesAsync("IT-AISE", "pending");
        Assert.Equal(4, waiting.Count);
        Assert.All(waiting, n => Assert.Equal(1, n.GetProperty("attempts").GetInt32()));
        Assert.Equal(4, fixture.Webhooks.For("it-aise").Count);
    }
}
