using System.Text.Json;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>
/// A sequence number reserved by an append that failed is left as a gap; Marten may fill it with a tombstone row
/// after the chain went past it. Such a row says nothing: verification and proofs must hold, and a real event
/// rewritten as a tombstone must still be caught.
/// </summary>
public sealed class TombstoneTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private Task<JsonElement> GetAsync(string path) => fixture.Compliance.GetOkAsync(path);

    private static bool Consistent(JsonElement c) => ChainChecks.Consistent(c);

    private Task InsertTombstoneAsync(long sequence) => fixture.ExecuteAsync($$"""
        insert into ledger.mt_streams (id, version, tenant_id) values ('mt_tombstone', 0, '*DEFAULT*') on conflict do nothing;
        insert into ledger.mt_events (seq_id, id, stream_id, version, data, type, timestamp, tenant_id, mt_dotnet_type)
        values ({{sequence}}, gen_random_uuid(), 'mt_tombstone', {{-sequence}}, '{}', 'tombstone', now(), '*DEFAULT*', 'Marten.Events.Operations.Tombstone')
        """);

    [Fact]
    public async Task A_tombstone_written_into_a_gap_after_the_chain_passed_it_changes_no_verdict()
    {
        await fixture.RegisterAsync("T-1");
        var older = await fixture.CheckpointAsync();

        // On a platform that has been up a while, every service's daemon has had the same leader for long; no leader
        // holds a transaction that could fill a gap, and none may hold a chain or a forwarder before one (docs/reliability.md).
        await fixture.DaemonsLeadingForAsync(TimeSpan.FromSeconds(15));

        // A sequence number taken and never used, as by an append that rolled back; the ledger goes on past it.
        var gap = await fixture.ScalarAsync("select nextval('ledger.mt_events_sequence')");
        await fixture.RegisterAsync("T-2");
        await fixture.RegisterAsync("T-3");
        var newer = await fixture.CheckpointAsync();
        Assert.True(newer > gap);
        Assert.Equal(0, await fixture.ScalarAsync($"select count(*) from audit.chain where sequence = {gap}"));

        // Marten fills the gap later; the chain is already past it.
        await InsertTombstoneAsync(gap);

        var verdict = await GetAsync("/audit/verify");
        Assert.True(verdict.GetProperty("verified").GetBoolean(), verdict.ToString());
        Assert.True(Consistent(await GetAsync($"/audit/consistency?from={older}&to={newer}")));

        // A chained event rewritten to look like a tombstone is still compared with its leaf.
        var chained = await fixture.ScalarAsync($"select max(sequence) from audit.chain where sequence < {gap}");
        await fixture.ExecuteAsync($"update ledger.mt_events set stream_id = 'mt_tombstone', type = 'tombstone', version = {-chained} where seq_id = {chained}");
        var tampered = await GetAsync("/audit/verify");
        Assert.False(tampered.GetProperty("verified").GetBoolean());
        Assert.Equal(chained, tampered.GetProperty("firstFailure").GetProperty("sequence").GetInt64());
        Assert.False(Consistent(await GetAsync($"/audit/consistency?from={older}&to={newer}")));
    }
}
