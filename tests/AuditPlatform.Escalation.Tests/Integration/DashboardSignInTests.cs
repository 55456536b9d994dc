using System.Security.Cryptography;
using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.Playwright;

namespace AuditPlatform.Escalation.Tests.Integration;

/// <summary>Signing in to the dashboard and out of it, in headless Chromium: the server judges the token, the page says why in a sentence.</summary>
public sealed partial class DashboardSignInTests(EscalationFixture fixture) : IClassFixture<EscalationFixture>
{
    [Fact]
    public async Task A_garbage_a_foreign_an_expired_or_an_integrators_token_is_refused_in_one_sentence_with_the_form_still_there()
    {
        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        var page = await dashboard.OpenAsync(DashboardBrowser.PhoneWidth, DashboardBrowser.PhoneHeight);
        await Assertions.Expect(page.GetByLabel("Operator token")).ToBeVisibleAsync();
        await DashboardBrowser.AssertNoHorizontalOverflowAsync(page, "the sign-in form on a phone");

        // Expired by the service's clock and by the real one, whichever it checks.
        var earlier = new[] { fixture.Clock.GetUtcNow(), DateTimeOffset.UtcNow }.Min().AddDays(-2);
        var refusals = new (string Token, string Sentence)[]
        {
            ("not a token at all", "This is not a token the platform issued."),
            (DevTokens.Mint(RandomNumberGenerator.GetBytes(32), Roles.Operator), "This is not a token the platform issued."),
            (DevTokens.Mint(fixture.SigningKey, Roles.Operator, lifetime: TimeSpan.FromHours(1), now: earlier.UtcDateTime), "This token has expired."),
            (fixture.LongToken(Roles.Integrator, "US-FBI"), "This token is for an integrator; the dashboard needs an operator token."),
        };
        foreach (var (token, sentence) in refusals)
        {
            await page.GetByLabel("Operator token").FillAsync(token);
            await page.ClickAsync("#token-form button[type=submit]");
            await Assertions.Expect(page.Locator("#sign-in-error")).ToHaveTextAsync(sentence);
            await Assertions.Expect(page.Locator("#token-form")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByLabel("Operator token")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#board")).ToBeHiddenAsync();
            await Assertions.Expect(page.Locator("#sign-out")).ToBeHiddenAsync();
        }

        await DashboardBrowser.AssertNoHorizontalOverflowAsync(page, "the sign-in form with a refusal on a phone");
        await DashboardBrowser.AssertAccessibleAsync(page, "the signed-out page with a refusal");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('escalation.token')"));
        // The browser reports each refused request itself; the page adds no error of its own.
        Assert.All(dashboard.Problems, p => Assert.Matches(RefusedRequest(), p));
    }

    [Fact]
    public async Task Signing_in_shows_who_in_which_role_until_when_and_signing_out_forgets_the_token()
    {
        await using var dashboard = await DashboardBrowser.StartAsync(fixture);
        var page = await dashboard.OpenAsync();
        await DashboardBrowser.AssertAccessibleAsync(page, "the signed-out page");
        var token = fixture.LongToken(Roles.Operator);
        var expires = new JsonWebToken(token).ValidTo;

        await DashboardBrowser.SignInAsync(page, token);
        await Assertions.Expect(page.Locator("#who-name")).ToHaveTextAsync("test-operator");
        await Assertions.Expect(page.Locator("#who-role")).ToHaveTextAsync("operator");
        await Assertions.Expect(page.Locator("#who-expires")).ToHaveTextAsync($"{expires:yyyy-MM-dd HH:mm} UTC");
        await Assertions.Expect(page.Locator("#who-expires")).ToHaveAttributeAsync("datetime", new Regex($"^{expires:yyyy-MM-ddTHH:mm}"));
        await Assertions.Expect(page.Locator("#sign-in")).ToBeHiddenAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("Operator token")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByLabel("Operator token")).ToBeEmptyAsync();
        await Assertions.Expect(page.Locator("#board")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#who")).ToBeHiddenAsync();
        await Assertions.Expect(page.Locator("#live")).ToHaveTextAsync("offline");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('escalation.token')"));

        // Forgotten for good: a reload asks again.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByLabel("Operator token")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#board")).ToBeHiddenAsync();
        Assert.Empty(dashboard.Problems);
    }

    [GeneratedRegex(@"Failed to load resource: the server responded with a status of 40[13]")]
    private static partial Regex RefusedRequest();
}
