namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// The two ways a ledger write fails that are worth repeating, told apart once for HTTP (409, 503) and the bus (its
/// retries): the ledger cannot take the work now, or the write lost a race to another one on the same stream.
/// </summary>
public static class LedgerFailures
{
    /// <summary>
    /// The ledger could not take the work now, as opposed to a refusal or a bug: refused, reset or shut-down
    /// connections, or PostgreSQL out of a resource (SQL state class 53: connections, disk, memory).
    /// </summary>
    public static bool IsUnavailable(Exception exception) => Shortage(exception) is not null;

    /// <summary>What Npgsql's multi-host data source says when it finds no host to try (it has no error code).</summary>
    private const string NoSuitableHost = "No suitable host was found.";

    /// <summary>What the ledger is short of, in a few words for a problem's detail; null when it is not unavailable.</summary>
    public static string? Shortage(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case Npgsql.PostgresException { SqlState: "53300" }:
                    return "PostgreSQL has no connection to spare";
                case Npgsql.PostgresException { SqlState: "53100" }:
                    return "PostgreSQL's disk is full";
                case Npgsql.PostgresException { SqlState: "53200" }:
                    return "PostgreSQL is out of memory";
                case Npgsql.PostgresException { SqlState: var state } when state.StartsWith("53", StringComparison.Ordinal):
                    return "PostgreSQL is out of a resource";
                case Npgsql.PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "08000" or "08003" or "08006" }:
                // Npgsql also calls a deadlock or a serialization failure transient: those are lost races, not an outage.
                case Npgsql.NpgsqlException { IsTransient: true } and not Npgsql.PostgresException:
                case System.Net.Sockets.SocketException:
                    return "PostgreSQL cannot be reached";
                // A multi-host connection string (cluster mode) whose hosts Npgsql has all seen down, or none of them
                // primary, within Host Recheck Seconds: it refuses without trying, with neither a cause nor a code, and
                // says so only in words. While PostgreSQL restarts or fails over, that is most attempts.
                case Npgsql.NpgsqlException { InnerException: null, Message: NoSuitableHost } and not Npgsql.PostgresException:
                    return "no PostgreSQL server can take writes";
            }
        }

        return null;
    }

    /// <summary>
    /// The write lost a race on a stream another one wrote at the same moment (an optimistic-concurrency check, a
    /// deadlock victim, a serialization failure): nothing of it was saved, and deciding it again on fresh state is safe.
    /// </summary>
    public static bool IsLostRace(Exception exception) => exception switch
    {
        JasperFx.ConcurrencyException or Marten.Exceptions.ExistingStreamIdCollisionException or Marten.Exceptions.ConcurrentUpdateException => true,
        Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation or Npgsql.PostgresErrorCodes.DeadlockDetected or Npgsql.PostgresErrorCodes.SerializationFailure } => true,
        { InnerException: { } inner } => IsLostRace(inner),
        _ => false,
    };
}
