using System.Text.Json;
using AuditPlatform.Audit.Chain;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>The ledger is altered with SQL as the database owner; Audit must notice each change.</summary>
public sealed class TamperTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private Task<JsonElement> GetAsync(string path) => fixture.Compliance.GetOkAsync(path);

    private static (long Sequence, string Reason)? FirstFailure(JsonElement verdict) =>
        verdict.GetProperty("firstFailure").ValueKind == JsonValueKind.Null
            ? null
            : (verdict.GetProperty("firstFailure").GetProperty("sequence").GetInt64(), verdict.GetProperty("firstFailure").GetProperty("reason").GetString()!);

    private static bool Consistent(JsonElement c) => ChainChecks.Consistent(c);

    [Fact]
    public async Task Verify_names_the_first_altered_missing_and_reordered_event_and_proofs_stop_verifying()
    {
        for (var i = 0; i < 6; i++)
        {
            await fixture.RegisterAsync($"P-{i}");
        }

        var older = await fixture.CheckpointAsync();
        for (var i = 6; i < 12; i++)
        {
            await fixture.RegisterAsync($"P-{i}");
        }

        var newer = await fixture.CheckpointAsync();
        Assert.True(newer > older);

        var clean = await GetAsync("/audit/verify");
        Assert.True(clean.GetProperty("verified").GetBoolean());
        Assert.True(clean.GetProperty("checked").GetInt64() >= 13);
        Assert.True(Consistent(await GetAsync($"/audit/consistency?from={older}&to={newer}")));
        Assert.Null(OfflineCheck.Proof(await GetAsync("/audit/proof/2"), fixture.PublicKey));

        await fixture.ExecuteAsync("update ledger.mt_events set data = jsonb_set(data, '{Name}', '\"forged\"') where seq_id = 2");
        Assert.Equal((2L, "altered"), FirstFailure(await GetAsync("/audit/verify")));
        Assert.NotNull(OfflineCheck.Proof(await GetAsync("/audit/proof/2"), fixture.PublicKey));
        Assert.False(Consistent(await GetAsync($"/audit/consistency?from={older}&to={newer}")));

        await fixture.ExecuteAsync("delete from ledger.mt_events where seq_id = 5");
        Assert.Equal((5L, "missing"), FirstFailure(await GetAsync("/audit/verify?from=3")));

        await fixture.ExecuteAsync("""
            update ledger.mt_events set seq_id = -8 where seq_id = 8;
            update ledger.mt_events set seq_id = 8 where seq_id = 9;
            update ledger.mt_events set seq_id = 9 where seq_id = -8;
            """);
        Assert.Equal((8L, "reordered"), FirstFailure(await GetAsync("/audit/verify?from=6")));
        Assert.Equal((2L, "altered"), FirstFailure(await GetAsync("/audit/verify")));
    }
}
