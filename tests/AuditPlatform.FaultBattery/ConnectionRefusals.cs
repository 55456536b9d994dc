namespace AuditPlatform.FaultBattery;

/// <summary>
/// PostgreSQL refusing a replica a connection for want of a slot (SQL state 53300) during a scenario, read from what
/// the replicas logged meanwhile. A replica keeps at most 20 connections per host (<c>LedgerSetup.DefaultMaxPoolSize</c>),
/// far below the battery's servers' 400, so a refusal means a pool outgrew its cap: uncapped, eight replicas took 388
/// of 400 when PostgreSQL came back from a restart on the cluster, and leaders and probes were refused for 20 s after
/// every replica had said it was ready.
/// </summary>
public sealed class ConnectionRefusals
{
    private const string Refused = "53300: ";

    private readonly Dictionary<ServiceReplica, long> from;

    private ConnectionRefusals(Dictionary<ServiceReplica, long> from) => this.from = from;

    /// <summary>Marks where each replica's log ends now.</summary>
    public static ConnectionRefusals From(IEnumerable<ServiceReplica> replicas) =>
        new(replicas.ToDictionary(r => r, r => File.Exists(r.LogPath) ? new FileInfo(r.LogPath).Length : 0L));

    /// <summary>Per replica, the lines logged since <see cref="From"/> that tell of a refusal; none when there was none.</summary>
    public async Task<IReadOnlyDictionary<string, int>> SinceAsync()
    {
        var counts = new Dictionary<string, int>();
        foreach (var (replica, offset) in from)
        {
            if (!File.Exists(replica.LogPath))
            {
                continue;
            }

            await using var stream = new FileStream(replica.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(Math.Min(offset, stream.Length), SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            var refused = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                if (line.Contains(Refused, StringComparison.Ordinal))
                {
                    refused++;
                }
            }

            if (refused > 0)
            {
                counts[replica.Label] = refused;
            }
        }

        return counts;
    }
}
