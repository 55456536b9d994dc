using System.Net.Http.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Playwright;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>The compliance page in headless Chromium, on the story's photographs: search, timeline, world time, as-of, verification.</summary>
public sealed class CompliancePageTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private const string Photographs = "6b1f3a52-0000-4000-8000-0000000000a2";

    private static string Chromium => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    [Fact]
    public async Task The_page_finds_the_photographs_shows_their_timeline_by_world_time_and_the_signed_verification()
    {
        Assert.True(File.Exists(Chromium), $"Chromium is needed for the compliance page test and was not found at {Chromium} (set CHROMIUM_PATH).");
        await fixture.RegisterAsync("US-FBI");
        await fixture.RegisterAsync("US-DHS");
        var operatorClient = fixture.Intake.ClientFor(Roles.Operator);
        var shared = await operatorClient.PostAsJsonAsync("/disclosures", new
        {
            disclosureId = Photographs,
            originator = "GMP",
            title = "Manchester Arena: scene photographs (device and debris)",
            classification = "secret",
            caveats = new[] { "UK-US-EYES-ONLY", "FORENSIC" },
            contentSha256 = new string('9', 64),
            recipients = new[] { "US-FBI", "US-DHS" },
            sharedBy = "GMP counter-terrorism desk",
            occurredAt = "2017-05-23T09:15:00Z",
        });
        Assert.True(shared.IsSuccessStatusCode, await shared.Content.ReadAsStringAsync());
        await fixture.CheckpointAsync();

        await using var host = new ServiceHost<AuditApp>(fixture, fixture.AuditSettings());
        var address = host.ListenOnLoopback();
        using var http = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the compliance page host to be ready");

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var problems = new List<string>();
        page.PageError += (_, error) => problems.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                problems.Add(message.Text);
            }
        };
        await page.GotoAsync(address.ToString());

        await page.FillAsync("#token", fixture.Token(Roles.Compliance, lifetime: TimeSpan.FromHours(1)));
        await page.ClickAsync("#save-token");
        await page.Locator("#verdict.ok").WaitForAsync();
        Assert.StartsWith("Verified:", await page.TextContentAsync("#verdict"), StringComparison.Ordinal);
        Assert.Contains("Latest signed checkpoint: event", await page.TextContentAsync("#checkpoint"), StringComparison.Ordinal);
        await Microsoft.Playwright.Assertions.Expect(page.Locator("#witnesses")).ToContainTextAsync("No witness is configured");

        await page.SelectOptionAsync("#kind", "disclosure");
        await page.FillAsync("#q", "photographs");
        await page.ClickAsync("#find");
        await page.Locator("#events tr td:nth-child(4)").First.WaitForAsync();
        Assert.Contains(Photographs, await page.TextContentAsync("#results"), StringComparison.Ordinal);
        Assert.Equal("disclosure_recorded", await page.Locator("#events tr td:nth-child(4)").First.TextContentAsync());

        // World time: on 23 May 2017 at 09:00 the photographs had not been shared yet; by 24 May at 18:00 they had.
        await page.FillAsync("#until", "2017-05-23T09:00");
        await page.Locator("#events", new() { HasTextString = "nothing recorded in this window" }).WaitForAsync();
        await page.FillAsync("#until", "2017-05-24T18:00");
        await page.Locator("#events", new() { HasTextString = "disclosure_recorded" }).WaitForAsync();
        Assert.Contains("US-DHS", await page.TextContentAsync("#state"), StringComparison.Ordinal);

        // Recorded time: before the ledger learned of the share it knew nothing.
        await page.FillAsync("#as-of", "2017-05-24T18:00");
        await page.Locator("#events", new() { HasTextString = "nothing recorded in this window" }).WaitForAsync();
        await page.ClickAsync("#now");
        await page.Locator("#events", new() { HasTextString = "disclosure_recorded" }).WaitForAsync();
        await page.FillAsync("#until", "2017-05-24T18:00");
        await page.Locator("#subject", new() { HasTextString = "world time up to 2017-05-24T18:00:00" }).WaitForAsync();

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor("compliance.png"), FullPage = true });
        Assert.Empty(problems);
    }
}
