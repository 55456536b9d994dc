extern alias ctl;
using Cli = ctl::AuditPlatform.AuditCtl.Cli;
using ProgressOutput = ctl::AuditPlatform.AuditCtl.ProgressOutput;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>auditctl's handlers, called in-process against the hosted Audit service.</summary>
public sealed class CliTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task Verify_exits_zero_on_a_clean_ledger_and_non_zero_once_it_is_tampered()
    {
        for (var i = 0; i < 4; i++)
        {
            await fixture.RegisterAsync($"C-{i}");
        }

        await fixture.CheckpointAsync();
        var output = new StringWriter();
        Assert.Equal(Cli.Ok, await Cli.VerifyAsync(fixture.Compliance, null, null, output, ProgressOutput.Silent, CancellationToken.None));
        Assert.StartsWith("VERIFIED", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Ok, await Cli.ProofAsync(fixture.Compliance, 3, fixture.PublicKey, output, CancellationToken.None));

        await fixture.ExecuteAsync("update ledger.mt_events set data = jsonb_set(data, '{Country}', '\"Atlantis\"') where seq_id = 3");
        output = new StringWriter();
        Assert.Equal(Cli.Tampered, await Cli.VerifyAsync(fixture.Compliance, null, null, output, ProgressOutput.Silent, CancellationToken.None));
        Assert.Contains("TAMPERED: event 3 is altered", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(Cli.Tampered, await Cli.ProofAsync(fixture.Compliance, 3, fixture.PublicKey, output, CancellationToken.None));
    }

    [Fact]
    public async Task A_pack_that_holds_no_event_under_its_checkpoint_verifies_nothing_and_says_so()
    {
        await fixture.RegisterAsync("C-PACK");
        await fixture.CheckpointAsync();
        var file = new FileInfo(Path.Combine(Path.GetTempPath(), $"pack-{Guid.NewGuid():N}.json"));
        try
        {
            // As of 2000, C-PACK was not recorded yet: the pack carries a good signed checkpoint and no event.
            await File.WriteAllTextAsync(file.FullName, await fixture.Compliance.GetStringAsync("/audit/evidence/partner/C-PACK?asOf=2000-01-01T00:00:00Z"));
            var output = new StringWriter();
            Assert.Equal(Cli.Error, Cli.VerifyPack(file, fixture.VerifierKey, output));
            Assert.StartsWith("NOTHING VERIFIED: the pack holds no events of partner C-PACK: none recorded as of 2000-01-01", output.ToString(), StringComparison.Ordinal);

            await File.WriteAllTextAsync(file.FullName, await fixture.Compliance.GetStringAsync("/audit/evidence/partner/C-PACK"));
            output = new StringWriter();
            Assert.Equal(Cli.Ok, Cli.VerifyPack(file, fixture.VerifierKey, output));
            Assert.StartsWith("VERIFIED: the 1 event of the pack is in the signed checkpoint", output.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            file.Delete();
        }
    }

    [Fact]
    public async Task A_refused_question_is_one_readable_line_with_the_error_exit_code()
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        Assert.Equal(Cli.Error, await Cli.PrintAsync(fixture.Compliance, "/audit/timeline/partner/C-NEVER", output, errors, CancellationToken.None));
        Assert.Equal("error: 404 not-found: There is no partner 'C-NEVER'.", errors.ToString().TrimEnd());
        Assert.Empty(output.ToString());

        errors = new StringWriter();
        Assert.Equal(Cli.Error, await Cli.PrintAsync(fixture.Compliance, "/audit/timeline/partner/C-NEVER?asOf=yesterday", output, errors, CancellationToken.None));
        Assert.StartsWith("error: 400 validation: The query is not valid. (asOf: must be", errors.ToString(), StringComparison.Ordinal);
        Assert.Equal("error: 502 <html>bad gateway</html>", Cli.Refusal(502, "<html>bad gateway</html>"));
    }
}
