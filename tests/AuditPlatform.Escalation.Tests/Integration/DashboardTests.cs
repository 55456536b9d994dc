using System.Net.Http.Json;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using AuditPlatform.Testing.Browser;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>The dashboard in headless Chromium: a new case appears without a reload and can be acknowledged.</summary>
public sealed class DashboardTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{

    [Fact]
    public async Task A_new_case_appears_live_and_the_acknowledge_button_records_it()
    {
        await using var host = new ServiceHost<EscalationApp>(fixture, services: s => s.AddSingleton<TimeProvider>(fixture.Clock));
        var address = host.ListenOnLoopback();
        using var http = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the dashboard host to be ready");
        foreach (var partner in new[] { "US-DOS", "US-FBI", "CA-CSIS" })
        {
            await fixture.RegisterAsync(partner);
        }

        var earlier = EscalationCase.ForBreach(await fixture.ReportLeakAsync("US-DOS", "medium"));
        await fixture.CaseAsync(earlier, _ => true, "an earlier case");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright, "the dashboard tests");
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 820 } });
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        page.Console += (_, message) =>
        {
            // Every console error counts, a missing icon's 401 or 404 too.
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };

        await page.GotoAsync(address.ToString());
        await page.FillAsync("#token", fixture.LongToken(Roles.Operator));
        await page.ClickAsync("#token-form button[type=submit]");
        await page.Locator($"[data-case='{earlier}']").WaitForAsync();
        await page.Locator("#live.on").WaitForAsync();

        // Reported through Intake; whichever replica consumes it, this one's dashboards hear of it.
        var fresh = EscalationCase.ForBreach(await fixture.ReportLeakAsync("US-FBI", "high"));
        var card = page.Locator($"[data-case='{fresh}']");
        await card.WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        await Assertions.Expect(card.Locator(".tag.unack")).ToBeVisibleAsync();
        await Assertions.Expect(card.Locator(".countdown")).ToHaveCountAsync(1);

        await card.Locator("button[data-action='acknowledge']").ClickAsync();
        // "Restore sharing" means something only when resolving: the acknowledge dialog does not offer it.
        await Assertions.Expect(page.Locator("#action-dialog")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#action-restore-label")).ToBeHiddenAsync();
        await page.ClickAsync("#action-confirm");
        await Assertions.Expect(page.Locator($"[data-case='{fresh}'] .tag.unack")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator($"[data-case='{fresh}']")).ToContainTextAsync("acknowledged");
        using var api = new HttpClient { BaseAddress = address };
        api.DefaultRequestHeaders.Authorization = new("Bearer", fixture.LongToken(Roles.Operator));
        var recorded = await api.GetFromJsonAsync<System.Text.Json.JsonElement>($"/escalations/{fresh}");
        Assert.True(recorded.GetProperty("acknowledged").GetBoolean());

        var critical = EscalationCase.ForBreach(await fixture.ReportLeakAsync("CA-CSIS", "critical"));
        await page.Locator($"[data-case='{critical}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        // The resolve dialog does offer it; cancelled here, the case stays open.
        await page.Locator($"[data-case='{critical}'] button[data-action='resolve']").ClickAsync();
        await Assertions.Expect(page.Locator("#action-restore-label")).ToBeVisibleAsync();
        await page.ClickAsync("#action-cancel");
        await Assertions.Expect(page.Locator("#action-dialog")).ToBeHiddenAsync();
        Assert.Empty(problems);
    }

    [Fact]
    public async Task A_partner_with_a_hostile_name_is_shown_as_text_and_runs_no_script()
    {
        const string hostile = "<img src=x onerror=alert(1)><script>alert(2)</script>";
        await using var host = new ServiceHost<EscalationApp>(fixture, services: s => s.AddSingleton<TimeProvider>(fixture.Clock));
        var address = host.ListenOnLoopback();
        using var http = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the dashboard host to be ready");
        (await fixture.IntakeAdmin.PutAsJsonAsync("/partners/XX-HOSTILE", new { name = hostile, country = hostile, channel = new { kind = "bus" } })).EnsureSuccessStatusCode();
        var leaked = EscalationCase.ForBreach(await fixture.ReportLeakAsync("XX-HOSTILE", "high"));
        await fixture.CaseAsync(leaked, _ => true, "the hostile partner's case");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await HeadlessChromium.LaunchAsync(playwright, "the dashboard tests");
        var page = await browser.NewPageAsync();
        var dialogs = new List<string>();
        page.Dialog += async (_, dialog) =>
        {
            dialogs.Add(dialog.Message);
            await dialog.DismissAsync();
        };
        await page.GotoAsync(address.ToString());
        await page.FillAsync("#token", fixture.LongToken(Roles.Operator));
        await page.ClickAsync("#token-form button[type=submit]");
        await page.Locator($"[data-case='{leaked}']").WaitForAsync(new LocatorWaitForOptions { Timeout = 10_000 });
        // Give any injected handler the chance to fire before looking for its effects.
        await page.WaitForTimeoutAsync(500);

        Assert.Empty(dialogs);
        Assert.Equal(0, await page.Locator("img[src='x']").CountAsync());
    }
}
