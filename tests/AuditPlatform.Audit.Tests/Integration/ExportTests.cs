using AuditPlatform.Audit.Ledger;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AuditPlatform.Audit.Tests.Integration;

public sealed class ExportTests(AuditFixture fixture, ITestOutputHelper output) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task An_export_of_100k_events_streams_in_bounded_memory()
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

        GC.Collect();
        var baseline = GC.GetTotalMemory(true);
        long peak = 0, lines = 0;
        using var response = await fixture.Compliance.GetAsync("/audit/export?format=ndjson&streamKind=case", HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is not null)
        {
            if (++lines % 5000 == 0)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(false) - baseline);
            }
        }

        output.WriteLine($"exported {lines} events; peak managed memory above baseline {peak / (1024 * 1024)} MiB");
        Assert.Equal(100_000, lines);
        Assert.True(peak < 96L * 1024 * 1024, $"peak managed memory grew by {peak / (1024 * 1024)} MiB");
    }
}
