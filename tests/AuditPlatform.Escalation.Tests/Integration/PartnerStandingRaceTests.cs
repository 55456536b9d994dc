using System.Text.Json;
using AuditPlatform.Testing;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>
/// A partner's record is kept from three of Intake's events, each consumed from a queue of its own and so at the same
/// time: a registration and a suspension that arrive together must both end up on the record.
/// </summary>
public sealed class PartnerStandingRaceTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task A_registration_and_a_suspension_published_together_are_both_on_the_partners_record()
    {
        var codes = Enumerable.Range(0, 24).Select(i => $"RACE-{Guid.NewGuid():N}"[..16] + $"-{i}").ToList();
        var at = fixture.Clock.GetUtcNow();
        await Task.WhenAll(codes.SelectMany(code => new[]
        {
            fixture.Probe.PublishRawAsync("PartnerRegistered", JsonSerializer.Serialize(new
            {
                code, name = code + " agency", country = "Canada", channelKind = "bus", occurredAt = at,
            }), Guid.NewGuid()),
            fixture.Probe.PublishRawAsync("SharingSuspended", JsonSerializer.Serialize(new
            {
                partner = code, by = "duty officer", reason = "Leak under investigation", occurredAt = at,
            }), Guid.NewGuid()),
        }));

        var records = await Eventually.GetAsync(async () =>
        {
            var all = (await EscalationFixture.Json(await fixture.Operator.GetAsync("/partners"))).EnumerateArray()
                .Where(p => codes.Contains(p.GetProperty("id").GetString()!)).ToList();
            // Both consumers have run for a partner once its record has a name and a reason (each writes one of them).
            return all.Count(p => p.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String) == codes.Count
                   && all.Count(p => p.TryGetProperty("suspensionReason", out var reason) && reason.ValueKind == JsonValueKind.String) == codes.Count
                ? all
                : null;
        }, "both events of every partner on its record");

        Assert.All(records, p =>
        {
            Assert.Equal("suspended", p.GetProperty("sharing").GetString());
            Assert.Equal(p.GetProperty("id").GetString() + " agency", p.GetProperty("name").GetString());
            Assert.Equal("Leak under investigation", p.GetProperty("suspensionReason").GetString());
        });
    }
}
