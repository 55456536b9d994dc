using System.Text;
using System.Text.Json;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Ledger;
using AuditPlatform.Notification.Notices.Delivery;

namespace AuditPlatform.Notification.Tests.Decisions;

public class SignatureSpecs
{
    private static NoticeCreated Handling() => new(
        Guid.Parse("3b0f8c1e-2d4a-8e6f-9a1b-2c3d4e5f6a7b"), "US-FBI", NoticeKinds.Handling, Guid.Parse("8a0c1f4e-7a43-4c55-9f21-7e1f3b9d2a10"), null,
        Classifications.Secret, ["UK-EYES-ONLY-UNTIL-RELEASE"], "Crime scene photographs", "00112233445566778899aabbccddeeff",
        null, null, null, null, null, null, new DateTimeOffset(2017, 5, 23, 8, 0, 0, TimeSpan.Zero));

    [Fact]
    public void The_signature_is_sha256_and_the_lower_case_hex_hmac_of_the_body_bytes()
    {
        // RFC 4231, test case 2.
        var signature = WebhookSignature.Compute("Jefe", Encoding.ASCII.GetBytes("what do ya want for nothing?"));

        Assert.Equal("sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", signature);
    }

    [Fact]
    public void A_receiver_accepts_the_signature_only_for_the_same_body_and_secret()
    {
        var body = NoticeMessage.From(Handling()).ToUtf8Json();
        var header = WebhookSignature.Compute("partner-secret-123456", body);
        var tampered = body.ToArray();
        tampered[^2] ^= 1;

        Assert.True(WebhookSignature.Verify("partner-secret-123456", body, header));
        Assert.False(WebhookSignature.Verify("another-secret-123456", body, header));
        Assert.False(WebhookSignature.Verify("partner-secret-123456", tampered, header));
        Assert.False(WebhookSignature.Verify("partner-secret-123456", body, null));
    }

    [Fact]
    public void The_notice_body_is_plain_camel_case_json_without_empty_fields_and_the_same_bytes_every_time()
    {
        var first = NoticeMessage.From(Handling()).ToUtf8Json();
        var again = NoticeMessage.From(Handling()).ToUtf8Json();

        Assert.Equal(first, again);
        var json = JsonDocument.Parse(first).RootElement;
        Assert.Equal("handling", json.GetProperty("kind").GetString());
        Assert.Equal("00112233445566778899aabbccddeeff", json.GetProperty("fingerprint").GetString());
        Assert.Equal("UK-EYES-ONLY-UNTIL-RELEASE", json.GetProperty("caveats")[0].GetString());
        Assert.Equal("2017-05-23T08:00:00+00:00", json.GetProperty("createdAt").GetString());
        Assert.False(json.TryGetProperty("breachId", out _));
        Assert.False(json.TryGetProperty("respondBy", out _));
    }
}
