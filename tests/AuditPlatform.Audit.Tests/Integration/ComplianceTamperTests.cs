using AuditPlatform.ServiceDefaults.Security;
using static Microsoft.Playwright.Assertions;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>The compliance page on a ledger altered with SQL as the database owner: the verification names the first altered event and links to it.</summary>
public sealed class ComplianceTamperTests(CompliancePageFixture fixture) : IClassFixture<CompliancePageFixture>
{
    [Fact]
    public async Task Verification_names_the_first_altered_event_and_links_to_it()
    {
        await fixture.ExecuteAsync("update ledger.mt_events set data = jsonb_set(data, '{Name}', '\"forged\"') where seq_id = 2");
        await using var tab = await fixture.OpenAsync(390, 844);
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await page.EvalOnSelectorAsync("#verify", "button => button.dataset.chunk = '1'");
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#verdict.bad")).ToHaveTextAsync("Tampered: event 2 is altered; 1 event matched the chain before it, up to sequence 1.");

        await page.ClickAsync("#verdict a");
        await Expect(page.Locator("#event-title")).ToHaveTextAsync("Event 2");
        await Expect(page.Locator("#event-one .event .seq")).ToHaveTextAsync("#2");
        await Expect(page.Locator("#event-one dt", new() { HasTextString = "name" }).Locator("xpath=following-sibling::dd")).ToHaveTextAsync("forged");
        await tab.AssertNoHorizontalOverflowAsync();
        Assert.Empty(tab.Problems);
    }
}
