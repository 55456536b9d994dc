using AuditPlatform.Audit.Chain;
using Npgsql;

namespace AuditPlatform.Audit.Ledger;

/// <summary>A chain entry: the event's place in the tree, its global sequence and id, and its hashes.</summary>
public sealed record ChainEntry(long Position, long Sequence, Guid EventId, byte[] LeafHash, byte[] ChainHash);

/// <summary>Reads Audit's chain and checkpoints.</summary>
public static class ChainStore
{
    /// <summary>Whether an event id is anywhere in the chain (only asked once verification has found a mismatch).</summary>
    public static async Task<bool> IsChainedAsync(NpgsqlDataSource dataSource, Guid eventId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("select exists (select 1 from audit.chain where event_id = $1)");
        command.Parameters.AddWithValue(eventId);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public static async Task<(SignedCheckpoint Checkpoint, long Size)?> CheckpointAsync(NpgsqlDataSource dataSource, long? sequence, CancellationToken cancellationToken)
    {
        // The note as the log signed it, followed by every witness's cosignature line (tlog-witness: the cosigned checkpoint).
        const string Columns = "sequence, root, signed_at, signature, public_key, size, note || coalesce((select string_agg(w.detail, '' order by w.witness) " +
            "from audit.witness_outcomes w where w.size = k.size and w.cosigned), ''), verifier_key from audit.checkpoints k";
        await using var command = dataSource.CreateCommand(sequence is null
            ? $"select {Columns} order by sequence desc limit 1"
            : $"select {Columns} where sequence = $1");
        if (sequence is not null)
        {
            command.Parameters.AddWithValue(sequence.Value);
        }

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var size = reader.GetInt64(5);
        return (new SignedCheckpoint(reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetString(3), reader.GetString(4), size,
            reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)), size);
    }

    public static async IAsyncEnumerable<ChainEntry> EntriesAsync(NpgsqlDataSource dataSource, long from, long to, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "select position, sequence, event_id, leaf_hash, chain_hash from audit.chain where sequence >= $1 and sequence <= $2 order by position");
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new ChainEntry(reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4));
        }
    }
}
