using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Testing;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// Pages of <c>/audit/events</c> by kind or by type are read along an index from the key after <c>after</c>
/// (<c>LedgerRows.IndexRange</c>); followed by their <c>next</c>, they must hold every event once, in order, and no
/// event at or before <c>after</c>, as one page of the whole does.
/// </summary>
public sealed class EventPagingTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private static readonly string[] Codes = ["PG-ONE", "PG-TWO", "PG-THREE", "PG-FOUR", "PG-FIVE", "PG-SIX", "PG-SEVEN"];

    [Fact]
    public async Task Pages_along_a_kind_or_a_type_hold_every_event_once_and_in_order()
    {
        foreach (var code in Codes)
        {
            await fixture.RegisterAsync(code);
        }

        foreach (var filter in new[] { "streamKind=partner", "type=partner_registered" })
        {
            var whole = await Eventually.GetAsync(async () =>
            {
                var all = Sequences(await GetAsync($"/audit/events?{filter}&limit=1000"));
                return all.Count >= Codes.Length ? all : null;
            }, $"the partners' registrations by {filter}");
            Assert.Equal(whole.Order(), whole);
            Assert.Equal(whole.Count, whole.Distinct().Count());

            var paged = new List<long>();
            string? next = null;
            for (var page = 0; page < whole.Count; page++)
            {
                var answer = await GetAsync($"/audit/events?{filter}&limit=2{(next is null ? string.Empty : "&after=" + next)}");
                var sequences = Sequences(answer);
                Assert.All(sequences, s => Assert.True(next is null || s > long.Parse(next, System.Globalization.CultureInfo.InvariantCulture), $"{s} is not after {next}"));
                paged.AddRange(sequences);
                next = answer.TryGetProperty("next", out var more) ? more.GetString() : null;
                if (next is null)
                {
                    break;
                }
            }

            Assert.Equal(whole, paged);
        }
    }

    private static List<long> Sequences(JsonElement page) =>
        page.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()).ToList();

    private async Task<JsonElement> GetAsync(string path)
    {
        var response = await fixture.Compliance.GetAsync(path);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
