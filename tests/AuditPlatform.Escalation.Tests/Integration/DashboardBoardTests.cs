using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AuditPlatform.Escalation.Cases;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Playwright;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>The signed-in dashboard in headless Chromium, on a phone and on a desktop: the queues, the case panel and the alerts.</summary>
public sealed partial class DashboardBoardTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    private const string StatusCoversSomething = """
        () => {
          const status = document.getElementById('status').getBoundingClientRect();
          return [...document.querySelectorAll('.case, button')].filter((node) => {
            const box = node.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) return false;
            return box.left < status.right && status.left < box.right && box.top < status.bottom && status.top < box.bottom;
          }).map((node) => node.outerHTML.slice(0, 80));
        }
        """;

    private const string NotificationStub = """
        window.__asked = 0;
        window.__notified = [];
        window.Notification = class {
          static permission = 'default';
          static async requestPermission() { window.__asked += 1; this.permission = 'granted'; return 'granted'; }
          constructor(title, options) { window.__notified.push({ title, body: options && options.body }); }
        };
        """;

    [Fact]
    public async Task The_board_fits_a_phone_and_a_desktop_shows_cases_first_and_writes_every_time_in_UTC()
    {
        // Many partners, as in production: on a phone they must not push the cases off the first screen.
        for (var i = 1; i <= 40; i++)
        {
            await RegisterAsync($"ZZ-P{i:D2}", $"Partner agency {i:D2}");
        }

        await RegisterAsync("RU-RSS", "Ruritanian Security Service");
        await RegisterAsync("US-DOS", "Department of State");
        await RegisterAsync("FR-DGSE", "Direction generale de la securite exterieure");
        var ruritanian = EscalationCase.ForBreach(await fixture.ReportLeakAsync("RU-RSS", "high"));
        var state = EscalationCase.ForBreach(await fixture.ReportLeakAsync("US-DOS", "medium"));
        var french = EscalationCase.ForBreach(await fixture.ReportLeakAsync("FR-DGSE", "critical"));
        await fixture.CaseAsync(french, _ => true, "the critical case");
        await Eventually.TrueAsync(async () =>
        {
            var partners = await fixture.Operator.GetFromJsonAsync<JsonElement>("/partners");
            return partners.EnumerateArray().Count(p => p.TryGetProperty("name", out _)) >= 43;
        }, "the partners' names to reach Escalation");

        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        using (var http = new HttpClient { BaseAddress = dashboard.Address })
        {
            var icon = await http.GetAsync("/dashboard/favicon.svg");
            Assert.True(icon.IsSuccessStatusCode, $"the icon answers {(int)icon.StatusCode}");
        }

        foreach (var (name, width, height) in new[] { ("desktop", DashboardBrowser.DesktopWidth, DashboardBrowser.DesktopHeight), ("phone", DashboardBrowser.PhoneWidth, DashboardBrowser.PhoneHeight) })
        {
            // The browser's clock set to the service's, so the countdowns read as they would on the day.
            var page = await dashboard.OpenAsync(width, height, context => context.Clock.SetFixedTimeAsync(fixture.Clock.GetUtcNow().UtcDateTime));
            Assert.Equal(1, await page.Locator("meta[name=viewport]").CountAsync());
            await DashboardBrowser.AssertNoHorizontalOverflowAsync(page, $"the signed-out page on a {name}");
            await DashboardBrowser.SignInAsync(page, fixture.LongToken(Roles.Operator));
            var card = page.Locator($"[data-case='{ruritanian}']");
            await Assertions.Expect(card).ToContainTextAsync("RU-RSS (Ruritanian Security Service)");
            await Assertions.Expect(page.Locator($"[data-case='{french}']")).ToBeVisibleAsync();

            // The partners fold into one summary line; the first screen shows cases.
            await Assertions.Expect(page.Locator("#partners-summary")).ToContainTextAsync("Partners: ");
            await Assertions.Expect(page.Locator("#partners")).ToBeHiddenAsync();
            var first = await page.Locator(".case").First.BoundingBoxAsync();
            Assert.True(first is not null && first.Y + 40 < height, $"on a {name} the first case starts at {first?.Y} px, below the first screen ({height} px)");

            await DashboardBrowser.AssertNoHorizontalOverflowAsync(page, $"the board on a {name}");
            Assert.Empty(await page.EvaluateAsync<string[]>(StatusCoversSomething));
            await AssertTimesAreUtcAsync(page, $"the board on a {name}");
            await DashboardBrowser.AssertAccessibleAsync(page, $"the signed-in board on a {name}");
            await DashboardBrowser.SaveScreenshotAsync(page, $"dashboard-{name}.png");
        }

        // The partner filter searches names as well as codes, and offers each code with its name.
        var phone = await dashboard.OpenAsync(DashboardBrowser.PhoneWidth, DashboardBrowser.PhoneHeight);
        await DashboardBrowser.SignInAsync(phone, fixture.LongToken(Roles.Operator));
        await Assertions.Expect(phone.Locator("#partner-list option[value='RU-RSS']")).ToHaveAttributeAsync("label", "Ruritanian Security Service");
        await Assertions.Expect(phone.Locator("#partner-list option")).ToHaveCountAsync(await PartnerCountAsync());
        await phone.GetByLabel("Partner", new() { Exact = true }).FillAsync("ruritanian");
        await Assertions.Expect(phone.Locator($"[data-case='{ruritanian}']")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator($"[data-case='{state}']")).ToHaveCountAsync(0);
        await Assertions.Expect(phone.Locator(".case")).ToHaveCountAsync(1);
        await phone.GetByLabel("Partner", new() { Exact = true }).FillAsync("US-D");
        await Assertions.Expect(phone.Locator($"[data-case='{state}']")).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator($"[data-case='{ruritanian}']")).ToHaveCountAsync(0);
        await phone.GetByLabel("Partner", new() { Exact = true }).FillAsync(string.Empty);
        await Assertions.Expect(phone.Locator($"[data-case='{ruritanian}']")).ToBeVisibleAsync();
        Assert.Empty(dashboard.Problems);
    }

    [Fact]
    public async Task Cases_sort_by_level_or_by_deadline_and_the_counts_per_level_match_the_open_cases()
    {
        await RegisterAsync("NL-AIVD", "Algemene Inlichtingen- en Veiligheidsdienst");
        await RegisterAsync("BE-VSSE", "Veiligheid van de Staat");
        var soon = EscalationCase.ForBreach(await fixture.ReportLeakAsync("NL-AIVD", "medium"));
        var later = EscalationCase.ForBreach(await fixture.ReportLeakAsync("BE-VSSE", "critical"));
        await fixture.CaseAsync(soon, _ => true, "the level-1 case");
        await fixture.CaseAsync(later, _ => true, "the level-2 case");

        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        var page = await dashboard.OpenAsync();
        await DashboardBrowser.SignInAsync(page, fixture.LongToken(Roles.Operator));
        await Assertions.Expect(page.Locator($"[data-case='{later}']")).ToBeVisibleAsync();

        // By level (the default): one queue per level, highest first, the level-2 case before the level-1 one.
        var levels = await page.Locator("#queues .queue").EvaluateAllAsync<int[]>("queues => queues.map((q) => Number(q.dataset.level))");
        Assert.Equal(levels.OrderByDescending(l => l), levels);
        Assert.True(await IndexOfAsync(page, later) < await IndexOfAsync(page, soon));

        // By deadline: one list, soonest first; the level-1 case (4 hours) comes before the level-2 one (24 hours).
        await page.GetByLabel("Sort by").SelectOptionAsync("deadline");
        await Assertions.Expect(page.Locator("#queues .queue")).ToHaveCountAsync(1);
        var deadlines = await page.Locator("#queues .countdown").EvaluateAllAsync<string[]>("nodes => nodes.map((n) => n.dataset.deadline)");
        var parsed = deadlines.Select(DateTimeOffset.Parse).ToList();
        Assert.Equal(parsed.Order(), parsed);
        Assert.True(await IndexOfAsync(page, soon) < await IndexOfAsync(page, later));

        var open = (await fixture.Operator.GetFromJsonAsync<JsonElement>("/escalations")).EnumerateArray()
            .Where(c => c.GetProperty("status").GetString() != "resolved")
            .GroupBy(c => (Level: c.GetProperty("level").GetInt32(), Name: c.GetProperty("levelName").GetString()))
            .OrderByDescending(g => g.Key.Level)
            .Select(g => $"Level {g.Key.Level} {g.Key.Name}: {g.Count()} open");
        await Assertions.Expect(page.Locator("#counts li")).ToHaveTextAsync([.. open]);
        Assert.Empty(await page.EvaluateAsync<string[]>(StatusCoversSomething));
        Assert.Empty(dashboard.Problems);
    }

    [Fact]
    public async Task A_case_panel_shows_the_whole_history_of_the_case_stream()
    {
        await RegisterAsync("DE-BND", "Bundesnachrichtendienst");
        var breach = await fixture.ReportLeakAsync("DE-BND", "critical");
        var id = EscalationCase.ForBreach(breach);
        await fixture.CaseAsync(id, _ => true, "the critical case");
        await Act(id, "acknowledge", new { by = "duty officer" });
        await Act(id, "note", new { by = "duty officer", text = "Embassy called at noon" });
        await Act(id, "escalate", new { by = "duty officer", reason = "Front page in two countries" });
        var validUntil = fixture.Clock.GetUtcNow().AddDays(30);
        await fixture.RespondAsync("DE-BND", breach, "assurance", validUntil, ["secret", "UK-EYES-ONLY"]);
        await fixture.CaseAsync(id, c => c.GetProperty("status").GetString() == "responded", "the assurance to reach the case");
        await Act(id, "resolve", new { by = "duty officer", reason = "Assurance accepted", restoreSharing = true });

        // The API: the history keeps its shape, and the stream's events come beside it, in order.
        var read = await fixture.CaseAsync(id, c => c.GetProperty("status").GetString() == "resolved", "the case to be resolved");
        Assert.True(read.GetProperty("history").GetArrayLength() > 0);
        var events = read.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(
            ["opened", "suspensionRequested", "acknowledged", "noted", "raised", "response", "resolved", "restorationRequested"],
            events.Select(e => e.GetProperty("type").GetString()));
        var response = events.Single(e => e.GetProperty("type").GetString() == "response");
        Assert.Equal(["secret", "UK-EYES-ONLY"], response.GetProperty("scope").EnumerateArray().Select(s => s.GetString()));

        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        var page = await dashboard.OpenAsync();
        await DashboardBrowser.SignInAsync(page, fixture.LongToken(Roles.Operator));
        await page.GetByLabel("show resolved").CheckAsync();
        await page.Locator($"[data-case='{id}'] button.open-case").ClickAsync();
        var panel = page.Locator("#case-dialog");
        await Assertions.Expect(panel).ToBeVisibleAsync();
        await Assertions.Expect(panel.Locator("#case-history li")).ToHaveCountAsync(events.Count);
        var entries = panel.Locator("#case-history li");
        await Assertions.Expect(entries.Nth(0)).ToContainTextAsync("Opened at level 2 (agency) by policy");
        await Assertions.Expect(entries.Nth(1)).ToContainTextAsync("Suspension of sharing with DE-BND (Bundesnachrichtendienst) requested by policy");
        await Assertions.Expect(entries.Nth(2)).ToContainTextAsync("Acknowledged by duty officer");
        await Assertions.Expect(entries.Nth(3)).ToContainTextAsync("Note by duty officer");
        await Assertions.Expect(entries.Nth(3)).ToContainTextAsync("Embassy called at noon");
        await Assertions.Expect(entries.Nth(4)).ToContainTextAsync("Raised from level 2 to level 3 (ministerial) by duty officer");
        await Assertions.Expect(entries.Nth(4)).ToContainTextAsync("Front page in two countries");
        await Assertions.Expect(entries.Nth(5)).ToContainTextAsync("Response from DE-BND (Bundesnachrichtendienst): assurance, stops the clock");
        await Assertions.Expect(entries.Nth(5)).ToContainTextAsync("Respondent: Ambassador");
        await Assertions.Expect(entries.Nth(5)).ToContainTextAsync("We have taken steps and it will not happen again.");
        await Assertions.Expect(entries.Nth(5)).ToContainTextAsync("Scope: secret, UK-EYES-ONLY");
        await Assertions.Expect(entries.Nth(5)).ToContainTextAsync($"Valid until {validUntil:yyyy-MM-dd HH:mm} UTC");
        await Assertions.Expect(entries.Nth(6)).ToContainTextAsync("Resolved by duty officer, sharing to be restored");
        await Assertions.Expect(entries.Nth(7)).ToContainTextAsync("Restoration of sharing with DE-BND (Bundesnachrichtendienst) requested by duty officer");
        await Assertions.Expect(panel.Locator("#case-facts")).ToContainTextAsync("resolved");

        await AssertTimesAreUtcAsync(page, "the case panel");
        await DashboardBrowser.AssertAccessibleAsync(page, "the board with a case panel open");
        await DashboardBrowser.SaveScreenshotAsync(page, "dashboard-case.png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Close" }).ClickAsync();
        await Assertions.Expect(panel).ToBeHiddenAsync();
        Assert.Empty(dashboard.Problems);
    }

    [Fact]
    public async Task Ticking_the_alert_box_asks_for_permission_then_a_case_reaching_level_3_notifies()
    {
        await RegisterAsync("IT-AISE", "Agenzia Informazioni e Sicurezza Esterna");
        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        var page = await dashboard.OpenAsync(prepare: async context =>
        {
            await context.GrantPermissionsAsync(["notifications"], new() { Origin = dashboard.Address.GetLeftPart(UriPartial.Authority) });
            // A browser-side double: records what the page asks of the Notification API.
            await context.AddInitScriptAsync(NotificationStub);
        });
        await DashboardBrowser.SignInAsync(page, fixture.LongToken(Roles.Operator));
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__asked"));

        await page.GetByLabel("alert me when a case reaches level 3 or above").CheckAsync();
        await page.WaitForFunctionAsync("() => window.__asked === 1");

        // Opened at level 2: below the alert level, no notification.
        var id = EscalationCase.ForBreach(await fixture.ReportLeakAsync("IT-AISE", "critical"));
        await Assertions.Expect(page.Locator($"[data-case='{id}'][data-level='2']")).ToBeVisibleAsync();
        Assert.Equal(0, await page.EvaluateAsync<int>("() => window.__notified.length"));

        await Act(id, "escalate", new { by = "duty officer", reason = "Ministers asked" });
        await Assertions.Expect(page.Locator($"[data-case='{id}'][data-level='3']")).ToBeVisibleAsync();
        await page.WaitForFunctionAsync("() => window.__notified.length === 1");
        var title = await page.EvaluateAsync<string>("() => window.__notified[0].title");
        Assert.Equal("Case at level 3 (ministerial)", title);
        Assert.Contains("IT-AISE", await page.EvaluateAsync<string>("() => window.__notified[0].body"));
        Assert.Empty(dashboard.Problems);
    }

    private async Task RegisterAsync(string code, string name) =>
        (await fixture.IntakeAdmin.PutAsJsonAsync($"/partners/{code}", new { name, country = "Elsewhere", channel = new { kind = "bus" } })).EnsureSuccessStatusCode();

    private async Task Act(Guid id, string action, object body) =>
        (await fixture.Operator.PostAsJsonAsync($"/escalations/{id}/{action}", body)).EnsureSuccessStatusCode();

    private async Task<int> PartnerCountAsync()
    {
        var partners = (await fixture.Operator.GetFromJsonAsync<JsonElement>("/partners")).EnumerateArray().Select(p => p.GetProperty("id").GetString());
        var named = (await fixture.Operator.GetFromJsonAsync<JsonElement>("/escalations")).EnumerateArray()
            .SelectMany(c => c.GetProperty("partners").EnumerateArray().Select(p => p.GetString()));
        return partners.Concat(named).Distinct().Count();
    }

    private static Task<int> IndexOfAsync(IPage page, Guid caseId) =>
        page.EvaluateAsync<int>("id => [...document.querySelectorAll('#queues .case')].findIndex((c) => c.dataset.case === id)", caseId.ToString("D"));

    /// <summary>Every instant on the page reads <c>2017-05-24 21:00 UTC</c>; nothing is written in the browser's locale.</summary>
    private static async Task AssertTimesAreUtcAsync(IPage page, string what)
    {
        var times = await page.Locator("time").EvaluateAllAsync<string[]>("nodes => nodes.filter((n) => n.getClientRects().length).map((n) => n.textContent)");
        Assert.NotEmpty(times);
        Assert.All(times, t => Assert.Matches(UtcTime(), t));
        var text = await page.EvaluateAsync<string>("() => document.body.innerText");
        Assert.DoesNotMatch(LocaleTime(), text);
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$")]
    private static partial Regex UtcTime();

    [GeneratedRegex(@"\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}:\d{2}(:\d{2})?\s?[AP]M")]
    private static partial Regex LocaleTime();
}
