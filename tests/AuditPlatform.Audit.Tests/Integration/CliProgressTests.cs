extern alias ctl;
using AuditPlatform.Testing;
using Microsoft.Extensions.Time.Testing;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;
using ProgressOutput = ctl::AuditPlatform.AuditCtl.ProgressOutput;
using ProgressStyle = ctl::AuditPlatform.AuditCtl.ProgressStyle;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>The closing figures auditctl's long commands leave on stderr, against the hosted Audit service.</summary>
public sealed class CliProgressTests(AuditFixture fixture) : IClassFixture<AuditFixture>, IDisposable
{
    private readonly FileInfo file = new(Path.Combine(Path.GetTempPath(), $"auditctl-export-{Guid.NewGuid():N}"));
    private readonly StringWriter stderr = new();

    [Fact]
    public async Task Export_counts_the_events_it_wrote_in_either_format_and_verify_the_events_it_checked()
    {
        for (var i = 0; i < 5; i++)
        {
            await fixture.RegisterAsync($"P-{i}");
        }

        await fixture.CheckpointAsync();
        // Signing appends an event of its own; the chain takes it in too before the figures are compared.
        var last = await fixture.LastSequenceAsync();
        await Eventually.TrueAsync(async () => await fixture.ChainedUpToAsync() >= last, "the chain to take in the checkpoint's event");
        var progress = new ProgressOutput(stderr, ProgressStyle.Lines, new FakeTimeProvider());

        Assert.Equal(Cli.Ok, await Cli.ExportAsync(fixture.Compliance, "/audit/export?format=ndjson", file, progress, CancellationToken.None));
        Assert.Equal(last, File.ReadAllLines(file.FullName).Length);
        Assert.StartsWith($"exported {last} events, ", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains($" to {file.FullName} in ", stderr.ToString(), StringComparison.Ordinal);

        stderr.GetStringBuilder().Clear();
        Assert.Equal(Cli.Ok, await Cli.ExportAsync(fixture.Compliance, "/audit/export?format=csv", file, progress, CancellationToken.None));
        Assert.Equal(last + 1, File.ReadAllLines(file.FullName).Length);
        Assert.StartsWith($"exported {last} events, ", stderr.ToString(), StringComparison.Ordinal);

        stderr.GetStringBuilder().Clear();
        Assert.Equal(Cli.Ok, await Cli.VerifyAsync(fixture.Compliance, null, null, TextWriter.Null, progress, CancellationToken.None));
        Assert.Equal($"checked {last} events in 0.0 s (0 events/s)" + Environment.NewLine, stderr.ToString());
    }

    public void Dispose() => file.Delete();
}
