using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace AuditPlatform.Audit.Tests.Integration;

/// <summary>Two Audit replicas on one database: one chain, no duplicate or forked checkpoints.</summary>
public sealed class ReplicaTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    [Fact]
    public async Task Two_replicas_build_one_chain_and_sign_no_checkpoint_twice()
    {
        await using var second = fixture.AnotherAudit(checkpointEvery: 5);
        await using var third = fixture.AnotherAudit(checkpointEvery: 5);
        var compliance = second.ClientFor(Roles.Compliance);
        await Eventually.TrueAsync(async () => (await compliance.GetAsync("/health/ready")).IsSuccessStatusCode, "the second replica to be ready");
        await Eventually.TrueAsync(async () => (await third.ClientFor(Roles.Compliance).GetAsync("/health/ready")).IsSuccessStatusCode, "the third replica to be ready");

        // Both replicas' followers and explicit checkpoint calls race while events arrive.
        var followers = new[] { fixture.Audit, second, third }.Select(h => h.Services.GetRequiredService<ChainFollower>()).ToList();
        var registrations = Task.WhenAll(Enumerable.Range(0, 40).Select(i => fixture.RegisterAsync($"R-{i}")));
        var racing = Task.WhenAll(followers.SelectMany(f => Enumerable.Range(0, 10).Select(async _ =>
        {
            await f.FollowAsync(CancellationToken.None);
            await f.CheckpointAsync(CancellationToken.None);
        })));
        await Task.WhenAll(registrations, racing);
        var last = await fixture.LastSequenceAsync();
        await Eventually.TrueAsync(async () => await fixture.ChainedUpToAsync() >= last, "the chain to reach the ledger's end");

        await using var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        Assert.Equal(0L, await ScalarAsync(connection, "select count(*) from (select position from audit.chain group by position having count(*) > 1) d"));
        // One statement: the followers keep chaining (each checkpoint is itself a ledger event), so two reads could straddle an append.
        Assert.Equal(0L, await ScalarAsync(connection, "select count(*) - max(position) from audit.chain"));
        Assert.Equal(0L, await ScalarAsync(connection, "select count(*) from (select sequence from audit.chain group by sequence having count(*) > 1) d"));
        Assert.True(await ScalarAsync(connection, "select count(*) from audit.checkpoints") >= 1);
        Assert.Equal(0L, await ScalarAsync(connection, "select count(*) - count(distinct size) from audit.checkpoints"));
        // A stored checkpoint and its ledger event commit together; one statement reads both at one instant.
        Assert.Equal(0L, await ScalarAsync(connection,
            "select (select count(*) from audit.checkpoints) - (select count(*) from ledger.mt_events where type = 'checkpoint_signed')"));

        // Every checkpoint's root is the root of the chain's first `size` leaves: no fork, whoever signed it.
        var leaves = new List<byte[]>();
        await using (var command = new NpgsqlCommand("select leaf_hash from audit.chain order by position", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                leaves.Add(reader.GetFieldValue<byte[]>(0));
            }
        }

        await using (var command = new NpgsqlCommand("select size, root from audit.checkpoints order by size", connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                Assert.Equal(Hex.Of(Merkle.Root(leaves.Take((int)reader.GetInt64(0)).ToList())), reader.GetString(1));
            }
        }

        var verdict = await compliance.GetStringAsync("/audit/verify");
        Assert.Contains("\"verified\":true", verdict, StringComparison.Ordinal);
    }

    private static async Task<long> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
