using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// The compliance page in headless Chromium on the story's photographs: signing in and out, search, timelines by world
/// and recorded time, paging, exports, exposure, evidence packs, verification, the access log, accessibility and layout.
/// </summary>
public sealed partial class CompliancePageTests(CompliancePageFixture fixture) : IClassFixture<CompliancePageFixture>
{
    private const string Photographs = CompliancePageFixture.Photographs;

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC$")]
    private static partial Regex UtcTime();

    [GeneratedRegex(@"^Failed to load resource: the server responded with a status of (401|403) ")]
    private static partial Regex RefusedLoad();

    [Fact]
    public async Task Sign_in_answers_a_garbage_an_expired_or_a_wrong_role_token_with_one_plain_sentence_and_keeps_the_form()
    {
        await using var tab = await fixture.OpenAsync(390, 844);
        var page = tab.Page;
        await Expect(page.GetByLabel("Compliance or admin token")).ToBeVisibleAsync();
        var field = await page.Locator("#token").BoundingBoxAsync();
        Assert.True(field is { X: >= 0 } && field.X + field.Width <= 390, $"the token field spans {field?.X} to {field?.X + field?.Width} on a 390 px phone");
        await tab.AssertNoHorizontalOverflowAsync();

        (string Token, string Sentence)[] refused =
        [
            ("not-a-token", "That is not a token: paste the whole token, three parts separated by dots."),
            (fixture.Token(Roles.Integrator, "US-FBI"), "This token is for an integrator; the compliance page needs a compliance or admin token."),
            (fixture.Token(Roles.Operator), "This token is for an operator; the compliance page needs a compliance or admin token."),
            (DevTokens.Mint(RandomNumberGenerator.GetBytes(32), Roles.Compliance),
                "The Audit service does not accept this token: it was not issued for this deployment, or is not valid yet."),
        ];
        foreach (var (token, sentence) in refused)
        {
            await page.FillAsync("#token", token);
            await page.ClickAsync("#save-token");
            await Expect(page.Locator("#sign-in-message")).ToHaveTextAsync(sentence);
            await Expect(page.Locator("#token")).ToBeVisibleAsync();
            await Expect(page.Locator("#app")).ToBeHiddenAsync();
        }

        var expired = DevTokens.Mint(fixture.SigningKey, Roles.Compliance, lifetime: TimeSpan.FromHours(-2));
        await page.FillAsync("#token", expired);
        await page.ClickAsync("#save-token");
        await Expect(page.Locator("#sign-in-message")).ToHaveTextAsync(new Regex(@"^This token expired at \d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})? UTC; ask for a new one\.$"));
        await Expect(page.Locator("#token")).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('auditToken')"));
        await tab.AssertNoHorizontalOverflowAsync();

        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await Expect(page.Locator("#sign-in")).ToBeHiddenAsync();
        await Expect(page.Locator("#sign-in-message")).ToBeHiddenAsync();
        // Each refusal is the service's own 401 or 403, which Chromium logs as a failed load; nothing else went wrong.
        Assert.All(tab.Problems, problem => Assert.Matches(RefusedLoad(), problem));
    }

    [Fact]
    public async Task Signed_in_the_page_shows_who_which_role_and_when_the_token_expires_and_signs_out()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        var token = fixture.Token(Roles.Compliance, lifetime: TimeSpan.FromHours(1));
        var expires = DateTimeOffset.FromUnixTimeSeconds(JsonDocument.Parse(Base64Url(token.Split('.')[1])).RootElement.GetProperty("exp").GetInt64());
        await tab.SignInAsync(token);

        await Expect(page.Locator("#who-text")).ToHaveTextAsync(
            $"Signed in as test-compliance (compliance); the token expires {expires.UtcDateTime:yyyy-MM-dd HH:mm}{(expires.Second == 0 ? "" : $":{expires.Second:00}")} UTC.");
        await Expect(page.Locator("#access")).ToBeHiddenAsync();

        await page.ClickAsync("#sign-out");
        await Expect(page.Locator("#token")).ToBeVisibleAsync();
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
        await Expect(page.Locator("#who")).ToBeHiddenAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('auditToken')"));
        await page.ReloadAsync();
        await Expect(page.Locator("#token")).ToBeVisibleAsync();
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task The_page_finds_the_photographs_and_shows_their_timeline_by_world_time_and_recorded_time_as_readable_fields()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await Expect(page.Locator("#witnesses")).ToContainTextAsync("No witness is configured");
        await Expect(page.Locator("#checkpoint")).ToContainTextAsync("Latest signed checkpoint:");
        await Expect(page.Locator("#log-key-value")).ToHaveTextAsync(fixture.VerifierKey);

        await tab.ShowPhotographsAsync();
        await Expect(page.Locator("#results")).ToContainTextAsync(Photographs);

        // The body as fields: its title, its recipients (a list of objects, each a nested list of fields), its world time in UTC.
        var card = page.Locator("#events .event").First;
        await Expect(card.Locator("dt", new() { HasTextString = "title" }).Locator("xpath=following-sibling::dd")).ToHaveTextAsync("Manchester Arena: scene photographs (device and debris)");
        await Expect(card.Locator("dt", new() { HasTextString = "caveats" }).Locator("xpath=following-sibling::dd")).ToHaveTextAsync("UK-US-EYES-ONLY, FORENSIC");
        await Expect(card.Locator("dt", new() { HasTextString = "occurredAt" }).Locator("xpath=following-sibling::dd")).ToHaveTextAsync("2017-05-23 09:15 UTC");
        await Expect(card.Locator("dd ol.nested li")).ToHaveCountAsync(2);
        await Expect(card.Locator(".event-times")).ToContainTextAsync("Happened 2017-05-23 09:15 UTC · recorded ");
        Assert.DoesNotContain("{\"", await page.TextContentAsync("#view"), StringComparison.Ordinal);
        await Expect(page.Locator("#state dt", new() { HasTextString = "status" }).Locator("xpath=following-sibling::dd")).ToHaveTextAsync("disclosure_recorded");

        // World time: on 23 May 2017 at 09:00 the photographs had not been shared yet; by 24 May at 18:00 they had.
        await page.FillAsync("#until", "2017-05-23 09:00");
        await page.ClickAsync("#show");
        await Expect(page.Locator("#events")).ToHaveTextAsync("Nothing recorded in this window.");
        await page.FillAsync("#until", "2017-05-24T18:00");
        await page.PressAsync("#until", "Enter");
        await Expect(page.Locator("#events .event .type")).ToHaveTextAsync("disclosure_recorded");
        await Expect(page.Locator("#state")).ToContainTextAsync("US-DHS");
        await Expect(page.Locator("#subject")).ToContainTextAsync("what had happened by 2017-05-24 18:00 UTC");

        // Recorded time: before the ledger learned of the share it knew nothing.
        await page.FillAsync("#as-of", "2017-05-24 18:00");
        await page.ClickAsync("#show");
        await Expect(page.Locator("#events")).ToHaveTextAsync("Nothing recorded in this window.");
        await Expect(page.Locator("#subject")).ToContainTextAsync("as the ledger knew it at 2017-05-24 18:00 UTC");
        await page.ClickAsync("#now");
        await Expect(page.Locator("#events .event .type")).ToHaveTextAsync("disclosure_recorded");

        // A time that is not one is refused by the page in a sentence, not sent.
        await page.FillAsync("#until", "24/05/2017");
        await page.ClickAsync("#show");
        await Expect(page.Locator("#view-message")).ToHaveTextAsync("“What had happened by” needs a UTC time written as YYYY-MM-DD HH:MM, such as 2017-05-24 18:00.");
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task Every_time_on_the_page_is_written_as_a_UTC_instant_never_in_a_locale_format()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Admin));
        await tab.ShowPhotographsAsync();
        await Expect(page.Locator("#access-log tbody tr").First).ToBeVisibleAsync();
        var times = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#events dd, #state dd, #access-log td:first-child')]
                .map(e => e.textContent).filter(t => /\d{4}-\d{2}-\d{2}/.test(t) && !/^[0-9a-f-]{36}$/.test(t))
            """);
        Assert.NotEmpty(times);
        Assert.All(times, t => Assert.Matches(UtcTime(), t));
        Assert.DoesNotMatch(new Regex(@"\d{1,2}/\d{1,2}/\d{4}|[AP]M\b|T\d{2}:\d{2}"), await page.InnerTextAsync("body"));
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task Events_are_paged_forward_and_back_by_the_cursor()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await page.SelectOptionAsync("#browse-kind", "partner");
        await page.FillAsync("#browse-limit", "2");
        await page.ClickAsync("#browse-show");
        await Expect(page.Locator("#browse-events .event")).ToHaveCountAsync(2);
        await Expect(page.Locator("#browse-range")).ToContainTextAsync("Page 1: sequences ");
        await Expect(page.Locator("#browse-previous")).ToBeDisabledAsync();
        var first = await Sequences(page);

        await page.ClickAsync("#browse-next");
        await Expect(page.Locator("#browse-range")).ToContainTextAsync("Page 2: sequences ");
        var second = await Sequences(page);
        Assert.True(second.Min() > first.Max(), $"page 2 ({string.Join(",", second)}) follows page 1 ({string.Join(",", first)})");
        await Expect(page.Locator("#browse-events .event .type").First).ToHaveTextAsync("partner_registered");
        // Four partners registered: two pages of two, and the second is the last.
        await Expect(page.Locator("#browse-range")).ToContainTextAsync("(the last page)");
        await Expect(page.Locator("#browse-next")).ToBeDisabledAsync();

        await page.ClickAsync("#browse-previous");
        await Expect(page.Locator("#browse-range")).ToContainTextAsync("Page 1: sequences ");
        Assert.Equal(first, await Sequences(page));

        await page.FillAsync("#browse-type", "Not A Type");
        await page.ClickAsync("#browse-show");
        await Expect(page.Locator("#browse-message")).ToHaveTextAsync(new Regex("^The query was refused: “type” must be a stored event type name"));
        Assert.All(tab.Problems, problem => Assert.Contains("status of 400", problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_shown_queries_export_as_NDJSON_and_CSV_with_progress_and_download_as_files()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await tab.ShowPhotographsAsync();

        await page.ClickAsync("#timeline-ndjson");
        var ndjson = page.Locator("#timeline-transfer a.save");
        await Expect(ndjson).ToHaveTextAsync(new Regex($@"^Save ledger-disclosure-{Photographs}\.ndjson \(1 event, \d+(\.\d)? (B|KiB)\)$"));
        await Expect(page.Locator("#timeline-transfer progress")).ToHaveAttributeAsync("value", "1");
        var lines = (await DownloadAsync(page, ndjson)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.Equal("disclosure_recorded", JsonDocument.Parse(lines[0]).RootElement.GetProperty("type").GetString());

        await page.FillAsync("#browse-partner", "US-FBI");
        await page.ClickAsync("#browse-show");
        await Expect(page.Locator("#browse-events .event").First).ToBeVisibleAsync();
        await page.ClickAsync("#browse-csv");
        var csv = page.Locator("#browse-transfer a.save");
        await Expect(csv).ToContainTextAsync("Save ledger-events.csv (");
        var file = await DownloadAsync(page, csv);
        var expected = await fixture.Compliance.GetStringAsync("/audit/export?format=csv&partner=US-FBI");
        Assert.Equal(expected, file);
        var rows = expected.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        await Expect(csv).ToContainTextAsync($"({rows} event{(rows == 1 ? "" : "s")}, ");
        Assert.StartsWith("sequence,streamKind,streamId,version,type,occurredAt,recordedAt,data\n", file, StringComparison.Ordinal);
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task Exposure_names_who_held_the_photographs_at_a_chosen_instant_and_whether_they_acknowledged()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await tab.ShowPhotographsAsync();
        await Expect(page.Locator("#exposure-id")).ToHaveValueAsync(Photographs);

        await page.FillAsync("#exposure-at", "2017-05-23 09:00");
        await page.ClickAsync("#exposure-show");
        await Expect(page.Locator("#exposure-summary")).ToHaveTextAsync($"At 2017-05-23 09:00 UTC, no partner held disclosure {Photographs}.");
        await Expect(page.Locator("#holders")).ToBeHiddenAsync();

        await page.FillAsync("#exposure-at", "2017-05-24 18:00");
        await page.ClickAsync("#exposure-show");
        await Expect(page.Locator("#exposure-summary")).ToHaveTextAsync($"At 2017-05-24 18:00 UTC, 2 partners held disclosure {Photographs}.");
        // Notification is not hosted here, so no handling notice was acknowledged.
        await Expect(page.Locator("#holders tbody tr")).ToHaveTextAsync(["US-DHS2017-05-23 09:15 UTCnot acknowledged", "US-FBI2017-05-23 09:15 UTCnot acknowledged"]);
        Assert.Empty(tab.Problems);

        // A pasted id the ledger never held: said so, and the answer for the photographs no longer shows.
        const string never = "0b7c2f9e-0000-4000-8000-00000000dead";
        await page.FillAsync("#exposure-id", never);
        await page.ClickAsync("#exposure-show");
        await Expect(page.Locator("#exposure-message")).ToHaveTextAsync($"Nothing found: There is no disclosure '{never}'.");
        await Expect(page.Locator("#exposure-summary")).ToHaveTextAsync(string.Empty);
        await Expect(page.Locator("#holders")).ToBeHiddenAsync();
        Assert.All(tab.Problems, problem => Assert.Contains("status of 404", problem, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_evidence_pack_of_the_timeline_downloads_as_the_service_built_it()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await tab.ShowPhotographsAsync();
        await page.ClickAsync("#evidence-download");
        var save = page.Locator("#timeline-transfer a.save");
        await Expect(save).ToContainTextAsync($"Save evidence-disclosure-{Photographs}.json (");
        var pack = JsonDocument.Parse(await DownloadAsync(page, save)).RootElement;
        Assert.Equal(Photographs, pack.GetProperty("id").GetString());
        Assert.Equal("disclosure_recorded", pack.GetProperty("events")[0].GetProperty("type").GetString());
        Assert.Equal(fixture.VerifierKey, pack.GetProperty("checkpoint").GetProperty("verifierKey").GetString());
        Assert.Empty(tab.Problems);
    }

    /// <summary>
    /// The page's side of "Verify in this browser": it hands verify-pack.js (its own module, tested on its own) the pack,
    /// the log key shown on the page, the witnesses' keys and the quorum, and words the answer. The module is stood in
    /// for here by one served only to this test's browser, answering what the test tells it to.
    /// </summary>
    [Fact]
    public async Task Verifying_the_pack_in_the_browser_hands_the_verifier_the_shown_keys_and_words_its_answer()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await page.RouteAsync("**/verify-pack.js", route => route.FulfillAsync(new RouteFulfillOptions
        {
            ContentType = "text/javascript",
            Body = """
                export async function verifyPack(pack, options) {
                  window.verifierCalls = (window.verifierCalls || []).concat([{ events: pack.events.length, keys: options.checkpointKeys, witnesses: options.witnesses, threshold: options.threshold }]);
                  options.onProgress(pack.events.length, pack.events.length);
                  return window.verifierAnswer(pack);
                }
                """,
        }));
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await tab.ShowPhotographsAsync();
        await Expect(page.Locator("#pack-key")).ToHaveValueAsync(fixture.VerifierKey);

        await page.EvaluateAsync("""
            () => window.verifierAnswer = (pack) => ({ ok: true, verified: pack.events.length, cosignedBy: [], failures: [],
              checkpoint: { origin: 'tests.auditplatform.local/ledger', size: pack.checkpoint.size, root: pack.checkpoint.root } })
            """);
        await page.ClickAsync("#evidence-verify");
        await Expect(page.Locator("#evidence-result p.ok")).ToHaveTextAsync(new Regex(@"^Verified 1 event against checkpoint tests\.auditplatform\.local/ledger size \d+; cosigned by no witness\.$"));
        var call = await page.EvaluateAsync<JsonElement>("() => window.verifierCalls[0]");
        Assert.Equal(1, call.GetProperty("events").GetInt32());
        Assert.Equal(new[] { fixture.VerifierKey }, call.GetProperty("keys").EnumerateArray().Select(k => k.GetString()!).ToArray());
        Assert.Equal(0, call.GetProperty("witnesses").GetArrayLength());

        await page.EvaluateAsync("""
            () => window.verifierAnswer = (pack) => ({ ok: false, verified: 0, cosignedBy: [], checkpoint: null,
              failures: [{ sequence: pack.events[0].sequence, reason: 'its leaf is not in the checkpoint' }] })
            """);
        await page.ClickAsync("#evidence-verify");
        var sequence = await page.Locator("#events .event .seq").First.TextContentAsync();
        await Expect(page.Locator("#evidence-result p.bad")).ToHaveTextAsync("Not verified:");
        await Expect(page.Locator("#evidence-result .failures li")).ToHaveTextAsync($"event {sequence![1..]}: its leaf is not in the checkpoint");
        await page.ClickAsync("#evidence-result .failures a");
        await Expect(page.Locator("#event-title")).ToHaveTextAsync($"Event {sequence[1..]}");

        // A pack whose checkpoint covers none of the entity's events proves nothing: it is not worded as verified.
        await page.EvaluateAsync("""
            () => window.verifierAnswer = (pack) => ({ ok: true, verified: 0, cosignedBy: [], failures: [],
              checkpoint: { origin: 'tests.auditplatform.local/ledger', size: 7, root: pack.checkpoint.root } })
            """);
        await page.ClickAsync("#evidence-verify");
        await Expect(page.Locator("#evidence-result p.bad")).ToHaveTextAsync("Nothing verified: the pack holds no events under checkpoint size 7. Ask for the pack again after the next checkpoint.");
        Assert.Empty(tab.Problems);
    }

    /// <summary>
    /// The page with the real verify-pack.js: the pack the service built verifies in the browser; the same pack with one
    /// event's body altered on its way to the browser (as a tampering proxy would) is refused, and the event is named.
    /// </summary>
    [Fact]
    public async Task The_real_verifier_passes_the_served_pack_and_names_the_event_altered_on_its_way()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        await tab.ShowPhotographsAsync();
        await page.ClickAsync("#evidence-verify");
        await Expect(page.Locator("#evidence-result p.ok")).ToHaveTextAsync(new Regex(@"^Verified 1 event against checkpoint tests\.auditplatform\.local/ledger size \d+; cosigned by no witness\.$"));

        await page.RouteAsync("**/audit/evidence/**", async route =>
        {
            var response = await route.FetchAsync();
            var pack = JsonNode.Parse(await response.TextAsync())!;
            var altered = pack["events"]![0]!;
            var body = JsonNode.Parse((string)altered["rawData"]!)!;
            body["Title"] = "Nothing was shared";
            altered["rawData"] = body.ToJsonString();
            altered["data"] = body.DeepClone();
            await route.FulfillAsync(new RouteFulfillOptions { Response = response, Body = pack.ToJsonString() });
        });
        await page.ClickAsync("#evidence-verify");
        var sequence = await page.Locator("#events .event .seq").First.TextContentAsync();
        await Expect(page.Locator("#evidence-result p.bad")).ToHaveTextAsync("Not verified:");
        await Expect(page.Locator("#evidence-result .failures li")).ToHaveTextAsync($"event {sequence![1..]}: leaf hash does not match its body");
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task Verification_runs_on_demand_range_by_range_with_progress_and_says_how_far_it_verified()
    {
        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Compliance));
        var ranges = new List<string>();
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/audit/verify", StringComparison.Ordinal))
            {
                ranges.Add(new Uri(request.Url).Query);
            }
        };
        await page.EvalOnSelectorAsync("#verify", "button => button.dataset.chunk = '2'");
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#verdict.ok")).ToBeVisibleAsync();

        var whole = await fixture.Compliance.GetFromJsonAsync<JsonElement>("/audit/verify");
        Assert.True(whole.GetProperty("verified").GetBoolean());
        await Expect(page.Locator("#verdict")).ToHaveTextAsync($"Verified {whole.GetProperty("checked").GetInt64()} events up to sequence {whole.GetProperty("upTo").GetInt64()}.");
        Assert.Equal("?from=1&to=2", ranges[0]);
        Assert.True(ranges.Count > 2, "verified in ranges: " + string.Join(" ", ranges));
        Assert.DoesNotContain("to=", ranges[^1], StringComparison.Ordinal);
        Assert.Equal(await page.GetAttributeAsync("#verify-progress", "max"), await page.EvaluateAsync<string>("() => String(document.getElementById('verify-progress').value)"));
        Assert.Empty(tab.Problems);
    }

    [Fact]
    public async Task The_access_log_is_shown_to_admins_and_hidden_from_compliance_staff()
    {
        await using var compliance = await fixture.OpenAsync();
        await compliance.SignInAsync(fixture.Token(Roles.Compliance));
        await Expect(compliance.Page.Locator("#access")).ToBeHiddenAsync();

        await using var tab = await fixture.OpenAsync();
        var page = tab.Page;
        await tab.SignInAsync(fixture.Token(Roles.Admin));
        await Expect(page.Locator("#access")).ToBeVisibleAsync();
        await Expect(page.Locator("#access-log tbody tr", new() { HasTextString = "/audit/witnesses" }).First).ToContainTextAsync("test-admin");
        await Expect(page.Locator("#access-log tbody tr", new() { HasTextString = "/audit/witnesses" }).First.Locator("td").First).ToHaveTextAsync(UtcTime());

        await page.FillAsync("#access-by", "test-compliance");
        await page.ClickAsync("#access-show");
        await Expect(page.Locator("#access-log tbody tr", new() { HasTextString = "test-admin" })).ToHaveCountAsync(0);
        await Expect(page.Locator("#access-log tbody tr").First).ToContainTextAsync("test-compliance");
        Assert.Empty(tab.Problems);
        Assert.Empty(compliance.Problems);
    }

    [Theory]
    [InlineData(1280, 800, "compliance-desktop.png")]
    [InlineData(390, 844, "compliance-phone.png")]
    public async Task The_page_is_accessible_fits_the_window_and_leaves_a_screenshot(int width, int height, string screenshot)
    {
        await using var tab = await fixture.OpenAsync(width, height);
        var page = tab.Page;
        await tab.AssertAccessibleAsync();
        await tab.AssertNoHorizontalOverflowAsync();

        await tab.SignInAsync(fixture.Token(Roles.Admin));
        await page.ClickAsync("#verify");
        await Expect(page.Locator("#verdict.ok")).ToBeVisibleAsync();
        await tab.ShowPhotographsAsync();
        await page.FillAsync("#until", "2017-05-24 18:00");
        await page.ClickAsync("#show");
        await Expect(page.Locator("#subject")).ToContainTextAsync("what had happened by 2017-05-24 18:00 UTC");
        await page.ClickAsync("#exposure-show");
        await Expect(page.Locator("#holders")).ToBeVisibleAsync();
        await page.SelectOptionAsync("#browse-kind", "partner");
        await page.FillAsync("#browse-limit", "2");
        await page.ClickAsync("#browse-show");
        await Expect(page.Locator("#browse-events .event")).ToHaveCountAsync(2);

        await tab.AssertAccessibleAsync();
        await tab.AssertNoHorizontalOverflowAsync();
        // The window as its user sees it with the timeline in view (on a desktop, under the signed-in bar).
        await page.EvalOnSelectorAsync("#view", "view => window.scrollTo(0, view.getBoundingClientRect().top + window.scrollY - (getComputedStyle(document.querySelector('header.top')).position === 'sticky' ? document.querySelector('header.top').offsetHeight + 8 : 8))");
        await tab.ScreenshotAsync(screenshot);
        Assert.Empty(tab.Problems);
    }

    private static async Task<long[]> Sequences(IPage page) =>
        (await page.Locator("#browse-events .event .seq").AllTextContentsAsync()).Select(s => long.Parse(s.TrimStart('#'), System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    private static async Task<string> DownloadAsync(IPage page, ILocator link)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
        return await File.ReadAllTextAsync((await download.PathAsync())!);
    }

    private static string Base64Url(string part) =>
        System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(part.Replace('-', '+').Replace('_', '/').PadRight((part.Length + 3) / 4 * 4, '=')));
}
