using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AuditPlatform.Audit.Events;
using AuditPlatform.Audit.Ledger;
using Marten;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>Event bodies leave <c>/audit/events</c> and <c>/audit/export</c> in camelCase, like the rest of the contract.</summary>
public sealed class EventBodyCaseTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private static readonly string[] Expected = ["sequence", "size", "root", "signedAt", "signature", "publicKey", "occurredAt", "note", "verifierKey"];

    [Fact]
    public void A_stored_body_keeps_its_values_and_order_and_gets_camelCase_names_at_every_depth()
    {
        const string stored = """{"DisclosureId":"0b7c2f9e-5d1a-4c55-9a51-2f1b7e4f0a01","Recipients":[{"Partner":"US-FBI","Fingerprint":"ab"}],"Size":12345678901234567890.5,"Acknowledged":false,"Reason":null,"Title":"\u00e9t\u00e9 \"quoted\""}""";

        var body = JsonNode.Parse(EventBody.CamelCase(stored))!.AsObject();

        Assert.Equal(["disclosureId", "recipients", "size", "acknowledged", "reason", "title"], body.Select(p => p.Key));
        Assert.Equal("US-FBI", body["recipients"]![0]!["partner"]!.GetValue<string>());
        Assert.Equal("12345678901234567890.5", body["size"]!.ToJsonString());
        Assert.Equal("été \"quoted\"", body["title"]!.GetValue<string>());
        Assert.Null(body["reason"]);
        // Values are copied as the ledger renders them, escapes included, not decoded and escaped again.
        Assert.Contains("\"title\":\"\\u00e9t\\u00e9 \\\"quoted\\\"\"", EventBody.CamelCase(stored), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_events_page_the_timeline_and_both_export_formats_give_a_stored_body_with_camelCase_names()
    {
        var id = "camel-" + Guid.NewGuid().ToString("N");
        var at = new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
        await using (var session = fixture.Audit.Services.GetRequiredService<IDocumentStore>().LightweightSession())
        {
            session.Events.StartStream($"case/{id}", new CheckpointSigned(7, 7, new string('a', 64), at, "c2ln", "a2V5", at));
            await session.SaveChangesAsync();
        }

        var query = $"streamKind=case&streamId={id}";
        var page = await fixture.Compliance.GetFromJsonAsync<JsonElement>($"/audit/events?{query}");
        var fromPage = page.GetProperty("events")[0].GetProperty("data");
        // PostgreSQL keeps jsonb keys in its own order: the names are compared as a set.
        Assert.Equal(Expected.Order(StringComparer.Ordinal), fromPage.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(7, fromPage.GetProperty("sequence").GetInt64());

        var ndjson = (await fixture.Compliance.GetStringAsync($"/audit/export?format=ndjson&{query}")).Trim();
        var fromNdjson = JsonDocument.Parse(ndjson).RootElement.GetProperty("data");
        Assert.True(JsonElement.DeepEquals(fromPage, fromNdjson), ndjson);

        var timeline = await fixture.Compliance.GetFromJsonAsync<JsonElement>($"/audit/timeline/case/{id}");
        Assert.True(JsonElement.DeepEquals(fromPage, timeline.GetProperty("events")[0].GetProperty("data")), timeline.ToString());

        var csv = (await fixture.Compliance.GetStringAsync($"/audit/export?format=csv&{query}")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var cell = csv[1][(csv[1].IndexOf(",\"{", StringComparison.Ordinal) + 2)..^1].Replace("\"\"", "\"", StringComparison.Ordinal);
        Assert.True(JsonElement.DeepEquals(fromPage, JsonDocument.Parse(cell).RootElement), csv[1]);
    }
}
