using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AuditPlatform.ServiceDefaults.Ledger;

/// <summary>
/// Whether this replica leads its service's ledger forwarder now, and since when: set by <see cref="LedgerLeadership"/>
/// from the moment its daemon starts until it has stopped, so two replicas that both say they lead would both be
/// forwarding. Operators and the fault battery read it in <c>/health/ready</c> (check <c>ledger-forwarder</c>).
/// </summary>
public sealed class ForwarderLeadership(string forwarder, TimeProvider clock)
{
    private readonly Lock gate = new();
    private DateTimeOffset? since;

    public string Forwarder { get; } = forwarder;

    public DateTimeOffset? LeadsSince
    {
        get
        {
            lock (gate)
            {
                return since;
            }
        }
    }

    internal void Lead()
    {
        lock (gate)
        {
            since = clock.GetUtcNow();
        }
    }

    internal void Follow()
    {
        lock (gate)
        {
            since = null;
        }
    }
}

/// <summary>
/// Says which replica forwards: always healthy (a replica that stands by is as ready as the leader), with
/// <c>leads</c> in its data.
/// </summary>
internal sealed class ForwarderLeadershipCheck(ForwarderLeadership leadership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = leadership.LeadsSince;
        var data = new Dictionary<string, object> { ["leads"] = since is not null };
        var description = since is { } s
            ? $"This replica leads {leadership.Forwarder} since {s:O}."
            : $"Another replica leads {leadership.Forwarder}, or none does yet; this one stands for election every second.";
        return Task.FromResult(HealthCheckResult.Healthy(description, data));
    }
}
