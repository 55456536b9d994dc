using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.Testing;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>The retry schedule lives in the ledger, not in the process that was retrying.</summary>
public sealed class RestartTests(RestartFixture fixture) : IClassFixture<RestartFixture>
{
    private const string Secret = "a-webhook-secret-of-some-length";

    [Fact]
    public async Task The_service_stopped_in_the_middle_of_retries_and_started_again_delivers_the_notice_once()
    {
        var hook = fixture.Webhooks.Serve("es-cni", Secret, _ => 503);
        await fixture.RegisterAsync("ES-CNI", hook, Secret);
        var (disclosureId, _) = await fixture.ShareAsync("ES-CNI");
        var noticeId = Notices.Planning.NoticeIds.For("handling", disclosureId, "ES-CNI");
        var stream = StreamKey.For(StreamKinds.Notice, noticeId);
        await Eventually.TrueAsync(async () => (await fixture.Ledger.ReadAsync(stream, "notice_delivery_failed")).Count >= 2, "two failed attempts");

        await fixture.StopNotificationAsync();
        var failedBeforeRestart = (await fixture.Ledger.ReadAsync(stream, "notice_delivery_failed")).Count;
        var postsBeforeRestart = fixture.Webhooks.For("es-cni").Count;
        fixture.Webhooks.Answer("es-cni", _ => 200);
        await fixture.StartNotificationAsync();

        var delivered = await fixture.NoticeInStatusAsync("ES-CNI", "delivered");
        var rows = await fixture.Ledger.ReadAsync(stream);
        Assert.Single(rows, r => r.Type == "partner_notified");
        Assert.Equal(failedBeforeRestart + 1, rows.Single(r => r.Type == "partner_notified").Data.GetProperty("Attempt").GetInt32());
        Assert.Equal(Enumerable.Range(1, failedBeforeRestart), rows.Where(r => r.Type == "notice_delivery_failed").Select(r => r.Data.GetProperty("Attempt").GetInt32()));
        Assert.Equal(failedBeforeRestart + 1, delivered.GetProperty("attempts").GetInt32());
        Assert.Equal(postsBeforeRestart + 1, fixture.Webhooks.For("es-cni").Count);
        Assert.Single(fixture.Webhooks.For("es-cni"), p => p.Answered == 200);
    }
}
