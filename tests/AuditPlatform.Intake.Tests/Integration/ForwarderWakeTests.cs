using System.Net.Http.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;

namespace AuditPlatform.Intake.Tests.Integration;

/// <summary>
/// The forwarder is woken by its own service's commits, not only by its poll: with polls ten minutes apart, each
/// partner registered over HTTP is on the bus within the test's bound, one after the other.
/// </summary>
public sealed class ForwarderWakeTests(PlatformFixture fixture) : IClassFixture<PlatformFixture>
{
    [Fact]
    public async Task The_services_own_commits_wake_its_forwarder_between_polls_ten_minutes_apart()
    {
        await using var intake = new ServiceHost<IntakeApp>(fixture, new Dictionary<string, string?> { ["Ledger:PollingInterval"] = "00:10:00" });
        using var admin = intake.ClientFor(Roles.Admin);
        await Eventually.TrueAsync(async () => (await admin.GetAsync("/health/ready")).IsSuccessStatusCode, "Intake to be ready");
        await using var probe = await BusProbe.ConnectAsync(fixture.Bus);
        var seen = await probe.ListenAsync("PartnerRegistered");

        foreach (var code in new[] { "WAKE-1", "WAKE-2", "WAKE-3" })
        {
            var response = await admin.PutAsJsonAsync($"/partners/{code}", new { name = code + " agency", country = "United States", channel = new { kind = "bus" } });
            response.EnsureSuccessStatusCode();
            await Eventually.TrueAsync(
                () => seen.Any(m => m.Message.GetProperty("code").GetString() == code), $"{code} on the bus before the next poll");
        }
    }
}
