using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// New notices are delivered when they are opened, not at the worker's next sweep: with the sweep an hour away,
/// every notice of a burst larger than the worker's concurrency still reaches its partner.
/// </summary>
public sealed class DoorbellTests(SlowSweepFixture fixture) : IClassFixture<SlowSweepFixture>
{
    [Fact]
    public async Task Notices_are_delivered_as_they_are_opened_without_waiting_for_the_sweep()
    {
        await fixture.RegisterAsync("US-NSA");
        await fixture.RegisterAsync("US-CIA");

        // 20 disclosures to two partners: 40 notices, ten times the 4 this worker delivers at once, so the later
        // ones start only because finished runs ring again.
        var disclosures = new List<Guid>();
        for (var i = 0; i < 20; i++)
        {
            disclosures.Add((await fixture.ShareAsync("US-NSA", "US-CIA")).DisclosureId);
        }

        await Eventually.TrueAsync(
            async () => (await fixture.NoticesAsync("US-NSA", "delivered")).Count == 20 && (await fixture.NoticesAsync("US-CIA", "delivered")).Count == 20,
            "all 40 notices to be delivered with no sweep");
        var notified = await fixture.Ledger.ReadAsync(type: "partner_notified");
        Assert.Equal(40, notified.Count);
        Assert.Equal(
            disclosures.Order(),
            notified.Where(r => r.Data.GetProperty("Partner").GetString() == "US-NSA").Select(r => r.Data.GetProperty("DisclosureId").GetGuid()).Order());
    }
}
