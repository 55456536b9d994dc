using System.Net.Http.Json;
using System.Security.Cryptography;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// An integrator learns over its own queue that a command it sent over the bus was refused, and why:
/// the message id, the command, the reason and the field errors, never its token or the command's body. Nobody
/// else is told anything.
/// </summary>
public sealed class RefusalNoticeBattery(HostileFixture fixture) : IClassFixture<HostileFixture>
{
    private const string Partner = "REF-ONE";

    private async Task RegisterAsync(string code)
    {
        using var admin = fixture.Services["intake"](Roles.Admin, null);
        (await admin.PutAsJsonAsync($"/partners/{code}", new { name = code, country = "GB", channel = new { kind = "bus" } })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task An_integrator_reads_each_refusal_of_its_bus_commands_from_its_partner_queue()
    {
        await RegisterAsync(Partner);
        await using var probe = await BusProbe.ConnectAsync(fixture.Bus);
        await Eventually.TrueAsync(() => probe.ExistsAsync("partner." + Partner), "Notification to create the partner's queue");
        var notices = await probe.ConsumeAsync("partner." + Partner);
        var token = fixture.Token(Roles.Integrator, Partner);

        const string malformed = """{"disclosureId":"D-PHOTOS-1","title":"Scene photographs"}""";
        const string otherPartner = """{"originator":"US-FBI","title":"t","classification":"official","contentSha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","recipients":["US-DHS"],"sharedBy":"desk","occurredAt":"2017-05-23T09:15:00Z"}""";
        await probe.PublishRawAsync("RecordDisclosure", malformed, "order-42", token);
        await probe.PublishRawAsync("RecordDisclosure", otherPartner, "order-43", token);
        await probe.PublishRawAsync("AcknowledgeNotice", "null", "order-44", token);

        var received = await Eventually.GetAsync(
            () => Task.FromResult(notices.Count >= 3 ? notices.ToDictionary(n => n.Message.GetProperty("messageId").GetString()!) : null),
            "a refusal notice for each of the three commands");

        var notUuid = received["order-42"].Message;
        Assert.Equal("command-refused", notUuid.GetProperty("kind").GetString());
        Assert.Equal(Partner, notUuid.GetProperty("partner").GetString());
        Assert.Equal("RecordDisclosure", notUuid.GetProperty("command").GetString());
        Assert.Equal("validation", notUuid.GetProperty("problem").GetString());
        Assert.StartsWith("must be a UUID", notUuid.GetProperty("errors").GetProperty("disclosureId")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("disclosureId: must be a UUID", notUuid.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(notUuid.GetProperty("noticeId").GetGuid(), received["order-42"].MessageId);

        var forbidden = received["order-43"].Message;
        Assert.Equal("forbidden", forbidden.GetProperty("problem").GetString());
        Assert.Equal($"An integrator for {Partner} may not act for US-FBI.", forbidden.GetProperty("reason").GetString());

        var nullBody = received["order-44"].Message;
        Assert.Equal("AcknowledgeNotice", nullBody.GetProperty("command").GetString());
        Assert.StartsWith("must be a JSON object", nullBody.GetProperty("errors").GetProperty("$")[0].GetString(), StringComparison.Ordinal);

        foreach (var notice in received.Values)
        {
            var text = notice.Message.GetRawText();
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Scene photographs", text, StringComparison.Ordinal);
            Assert.DoesNotContain("9f86d081884c7d659a2f", text, StringComparison.Ordinal);
            Assert.DoesNotContain(notice.Headers.Keys, k => k.Equals("Authorization", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public async Task A_refused_command_from_a_caller_with_no_partner_or_no_valid_token_sends_no_notice_anywhere()
    {
        await RegisterAsync("REF-TWO");
        await using var probe = await BusProbe.ConnectAsync(fixture.Bus);
        await Eventually.TrueAsync(() => probe.ExistsAsync("partner.REF-TWO"), "Notification to create the partner's queue");
        var published = await probe.ListenAsync("CommandRefused");
        var queued = await probe.ConsumeAsync("partner.REF-TWO");

        var callers = new Dictionary<Guid, string?>
        {
            [Guid.NewGuid()] = null,
            [Guid.NewGuid()] = DevTokens.Mint(RandomNumberGenerator.GetBytes(32), Roles.Integrator, "REF-TWO"),
            [Guid.NewGuid()] = fixture.Token(Roles.Integrator, "REF-TWO", TimeSpan.FromMinutes(-5)),
            [Guid.NewGuid()] = fixture.Token(Roles.Operator),
        };
        foreach (var (id, token) in callers)
        {
            await probe.PublishRawAsync("RecordDisclosure", """{"disclosureId":"D-PHOTOS-1","originator":"REF-TWO"}""", id, token);
        }

        var inError = new HashSet<Guid>();
        await Eventually.TrueAsync(async () =>
        {
            while (await probe.GetAsync("intake-record-disclosure_error") is { MessageId: { } id })
            {
                inError.Add(id);
            }

            return callers.Keys.All(inError.Contains);
        }, "every refused command to reach intake-record-disclosure_error");

        // A refusal that does name the partner, sent after the others: once its notice is through, any for them would be too.
        await probe.PublishRawAsync("RecordDisclosure", """{"disclosureId":"D-PHOTOS-1","originator":"REF-TWO"}""", "control", fixture.Token(Roles.Integrator, "REF-TWO"));
        await Eventually.TrueAsync(() => !queued.IsEmpty && !published.IsEmpty, "the control's refusal notice");

        Assert.Equal("control", Assert.Single(published).Message.GetProperty("messageId").GetString());
        Assert.Equal("control", Assert.Single(queued).Message.GetProperty("messageId").GetString());
    }
}
