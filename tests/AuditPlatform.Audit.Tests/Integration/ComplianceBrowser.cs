using System.Net.Http.Json;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using AuditPlatform.Testing.Browser;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// The compliance page's world for browser tests: the story's partners and photographs in a fresh ledger, signed in a
/// checkpoint, an Audit replica serving the page on a loopback socket, and Debian's headless Chromium.
/// </summary>
public class CompliancePageFixture : AuditFixture
{
    public const string Photographs = "6b1f3a52-0000-4000-8000-0000000000a2";

    private IPlaywright? playwright;

    public ServiceHost<AuditApp> PageHost { get; private set; } = null!;

    public Uri Address { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;


    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        foreach (var partner in new[] { "US-FBI", "US-DHS", "US-NSA", "US-CIA" })
        {
            await RegisterAsync(partner);
        }

        var shared = await Intake.ClientFor(Roles.Operator).PostAsJsonAsync("/disclosures", new
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
        await CheckpointAsync();

        PageHost = new ServiceHost<AuditApp>(this, AuditSettings());
        Address = PageHost.ListenOnLoopback();
        using var http = new HttpClient { BaseAddress = Address };
        await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the compliance page host to be ready");

        playwright = await Playwright.CreateAsync();
        Browser = await HeadlessChromium.LaunchAsync(playwright, "the compliance page");
    }

    public override async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        playwright?.Dispose();
        await PageHost.DisposeAsync();
        await base.DisposeAsync();
    }

    /// <summary>A fresh tab (its own session storage) at the given size on the page, counting every console error and page error.</summary>
    public async Task<BrowserTab> OpenAsync(int width = 1280, int height = 800)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height }, AcceptDownloads = true });
        var page = await context.NewPageAsync();
        var tab = new BrowserTab(context, page);
        page.PageError += (_, error) => tab.Problems.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                tab.Problems.Add(message.Text);
            }
        };
        await page.GotoAsync(Address.ToString());
        return tab;
    }
}

/// <summary>One browser tab on the compliance page, and what the tests check on every page they look at.</summary>
public sealed class BrowserTab(IBrowserContext context, IPage page) : IAsyncDisposable
{
    public IPage Page { get; } = page;

    public List<string> Problems { get; } = [];

    public async Task SignInAsync(string token)
    {
        await Page.FillAsync("#token", token);
        await Page.ClickAsync("#save-token");
        await Assertions.Expect(Page.Locator("#who-text")).ToContainTextAsync("Signed in as");
    }

    public async Task ShowPhotographsAsync()
    {
        await Page.SelectOptionAsync("#kind", "disclosure");
        await Page.FillAsync("#q", "photographs");
        await Page.ClickAsync("#find");
        await Assertions.Expect(Page.Locator("#events .event .type").First).ToHaveTextAsync("disclosure_recorded");
    }

    /// <summary>Nothing wider than the window: the document scrolls only down.</summary>
    public async Task AssertNoHorizontalOverflowAsync()
    {
        var widths = await Page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1], $"the page is {widths[0]} px wide in a {widths[1]} px window");
    }

    /// <summary>axe-core finds no serious or critical violation; each one found is named with the elements at fault.</summary>
    public async Task AssertAccessibleAsync()
    {
        var result = await Page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical")
            .Select(v => $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target + " " + n.Html))}").ToList();
        Assert.True(serious.Count == 0, string.Join(Environment.NewLine, serious));
    }

    /// <summary>A screenshot of the window where <see cref="Screenshots"/> puts it: the test results, or with <c>UPDATE_SCREENSHOTS=1</c> the guide's image in docs/images.</summary>
    public Task ScreenshotAsync(string fileName) => Page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor(fileName) });

    public async ValueTask DisposeAsync() => await context.DisposeAsync();
}
