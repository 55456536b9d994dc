using System.Text.Json;
using AuditPlatform.Testing;
using AuditPlatform.Testing.Browser;
using Deque.AxeCore.Playwright;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>
/// The dashboard in headless Chromium (Debian's, never a downloaded one) on an Escalation host of its own that listens on
/// loopback, with every console error of every page counted, and the checks the browser tests share: axe-core, overflow
/// and screenshots.
/// </summary>
internal sealed class DashboardBrowser : IAsyncDisposable
{
    public const int PhoneWidth = 390;
    public const int PhoneHeight = 844;
    public const int DesktopWidth = 1280;
    public const int DesktopHeight = 800;

    private readonly IPlaywright playwright;
    private readonly IBrowser browser;

    private DashboardBrowser(ServiceHost<EscalationApp> host, Uri address, IPlaywright playwright, IBrowser browser)
    {
        Host = host;
        Address = address;
        this.playwright = playwright;
        this.browser = browser;
    }


    public ServiceHost<EscalationApp> Host { get; }

    public Uri Address { get; }

    /// <summary>Console errors and uncaught exceptions of every page opened, each with the page's viewport.</summary>
    public List<string> Problems { get; } = [];

    public static async Task<DashboardBrowser> StartAsync(EscalationFixture fixture)
    {
        var host = new ServiceHost<EscalationApp>(fixture, services: s => s.AddSingleton<TimeProvider>(fixture.Clock));
        var address = host.ListenOnLoopback();
        using (var http = new HttpClient { BaseAddress = address })
        {
            await Eventually.TrueAsync(async () => (await http.GetAsync("/health/ready")).IsSuccessStatusCode, "the dashboard host to be ready");
        }

        var playwright = await Playwright.CreateAsync();
        var browser = await HeadlessChromium.LaunchAsync(playwright, "the dashboard tests");
        return new DashboardBrowser(host, address, playwright, browser);
    }

    /// <summary>A page in a context of its own (its own sessionStorage), sized as asked, at the dashboard.</summary>
    public async Task<IPage> OpenAsync(int width = DesktopWidth, int height = DesktopHeight, Func<IBrowserContext, Task>? prepare = null)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        if (prepare is not null)
        {
            await prepare(context);
        }

        var page = await context.NewPageAsync();
        page.PageError += (_, error) => Problems.Add($"{width}x{height}: {error}");
        page.Console += (_, message) =>
        {
            // Every console error counts, a missing icon's 401 or 404 too.
            if (message.Type == "error")
            {
                Problems.Add($"{width}x{height}: {message.Text}");
            }
        };
        await page.GotoAsync(Address.ToString());
        await Assertions.Expect(page.Locator("#token-form")).ToBeVisibleAsync();
        return page;
    }

    /// <summary>Signs in with the token and waits until the board is live and loaded.</summary>
    public static async Task SignInAsync(IPage page, string token)
    {
        await page.GetByLabel("Operator token").FillAsync(token);
        await page.ClickAsync("#token-form button[type=submit]");
        await Assertions.Expect(page.Locator("#board")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#live.on")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("loaded");
    }

    /// <summary>No axe-core violation of impact serious or critical; the ones found are printed in the failure.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string what)
    {
        var result = await page.RunAxe();
        var serious = result.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(serious.Count == 0, $"axe-core found on {what}:\n" + string.Join("\n", serious.Select(v =>
            $"- {v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
    }

    /// <summary>Nothing wider than the viewport: no sideways scrolling.</summary>
    public static async Task AssertNoHorizontalOverflowAsync(IPage page, string what)
    {
        var widths = await page.EvaluateAsync<JsonElement>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0].GetInt32() <= widths[1].GetInt32(), $"{what}: the page is {widths[0]} px wide in a {widths[1]} px viewport.");
    }

    /// <summary>A screenshot where <see cref="Screenshots"/> puts it: the test results, or with <c>UPDATE_SCREENSHOTS=1</c> the docs' image of the same name.</summary>
    public static Task SaveScreenshotAsync(IPage page, string fileName) => page.ScreenshotAsync(new PageScreenshotOptions { Path = Screenshots.PathFor(fileName) });

    public async ValueTask DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
        await Host.DisposeAsync();
    }
}
