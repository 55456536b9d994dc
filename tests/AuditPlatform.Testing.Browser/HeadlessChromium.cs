using Microsoft.Playwright;
using Xunit;

namespace AuditPlatform.Testing.Browser;

/// <summary>
/// The browser of the page tests: Debian's Chromium (or <c>CHROMIUM_PATH</c>), headless, with nothing reaching beyond
/// loopback. Playwright never downloads a browser here.
/// </summary>
public static class HeadlessChromium
{
    public static string Executable => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Launches it; a test that needs it fails, naming <paramref name="neededFor"/>, when it is not installed.</summary>
    public static async Task<IBrowser> LaunchAsync(IPlaywright playwright, string neededFor)
    {
        ArgumentNullException.ThrowIfNull(playwright);
        Assert.True(File.Exists(Executable), $"Chromium is needed for {neededFor} and was not found at {Executable} (set CHROMIUM_PATH).");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        });
    }
}
