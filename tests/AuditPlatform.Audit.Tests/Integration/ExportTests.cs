using System.Text.Json;
using AuditPlatform.Audit.Ledger;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AuditPlatform.Audit.Tests.Integration;

public sealed class ExportTests(AuditFixture fixture, ITestOutputHelper output) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task An_export_of_100k_events_streams_every_event_once_in_ledger_order()
    {
        var store = fixture.Audit.Services.GetRequiredService<IDocumentStore>();
        var at = new DateTimeOffset(2017, 5, 24, 18, 0, 0, TimeSpan.Zero);
        for (var batch = 0; batch < 50; batch++)
        {
            await using var session = store.LightweightSession();
            for (var stream = 0; stream < 20; stream++)
            {
                session.Events.StartStream($"case/export-{batch}-{stream}",
                    Enumerable.Range(0, 100).Select(i => (object)new CheckpointSigned(i, i, new string('a', 64), at, "c2ln", "a2V5", at)).ToArray());
            }

            await session.SaveChangesAsync();
        }

        // Its memory and speed are figures of the benchmark (deploy/local/bench.sh, the export scenario): a bound on
        // this process's heap would also count every other test class running beside this one.
        long lines = 0, previous = 0;
        var streams = new HashSet<string>(StringComparer.Ordinal);
        using var response = await fixture.Compliance.GetAsync("/audit/export?format=ndjson&streamKind=case", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            using var row = JsonDocument.Parse(line);
            var sequence = row.RootElement.GetProperty("sequence").GetInt64();
            Assert.True(sequence > previous, $"sequence {sequence} came after {previous}");
            previous = sequence;
            streams.Add(row.RootElement.GetProperty("streamId").GetString()!);
            lines++;
        }

        output.WriteLine($"exported {lines} events of {streams.Count} streams");
        Assert.Equal(100_000, lines);
        Assert.Equal(1_000, streams.Count);
    }
}
