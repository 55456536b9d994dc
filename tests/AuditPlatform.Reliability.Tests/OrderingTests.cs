using System.Net.Http.Json;
using System.Text.Json;
using AuditPlatform.Contracts;
using AuditPlatform.Intake;
using AuditPlatform.Intake.Partners.Sharing;
using AuditPlatform.ServiceDefaults.Commands;
using AuditPlatform.ServiceDefaults.Ledger;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Marten;
using Marten.Exceptions;
using Microsoft.Extensions.DependencyInjection;

namespace AuditPlatform.Reliability.Tests;

/// <summary>Two Intake replicas on one database and one vhost: the same platform scaled out.</summary>
public sealed class TwoIntakeReplicas : PlatformFixture
{
    public ServiceHost<IntakeApp> First { get; private set; } = null!;

    public ServiceHost<IntakeApp> Second { get; private set; } = null!;

    public BusProbe Probe { get; private set; } = null!;

    public LedgerReader Ledger { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        First = new ServiceHost<IntakeApp>(this);
        Second = new ServiceHost<IntakeApp>(this, new Dictionary<string, string?> { ["Ledger:ApplySchemaOnStartup"] = "false" });
        var firstClient = First.ClientFor(Roles.Admin);
        await Eventually.TrueAsync(async () => (await firstClient.GetAsync("/health/ready")).IsSuccessStatusCode, "the first replica to be ready");
        var secondClient = Second.ClientFor(Roles.Admin);
        await Eventually.TrueAsync(async () => (await secondClient.GetAsync("/health/ready")).IsSuccessStatusCode, "the second replica to be ready");
        Probe = await BusProbe.ConnectAsync(Bus);
        Ledger = new LedgerReader(Database);
    }

    public override async Task DisposeAsync()
    {
        await Probe.DisposeAsync();
        await Second.DisposeAsync();
        await First.DisposeAsync();
        await base.DisposeAsync();
    }
}

public sealed class OrderingTests(TwoIntakeReplicas replicas) : IClassFixture<TwoIntakeReplicas>
{
    private static readonly string[] Transitions = ["sharing_suspended", "sharing_restored"];

    [Fact]
    public async Task Suspend_and_restore_raced_by_two_replicas_apply_in_stream_order_and_leave_in_ledger_order()
    {
        const string partner = "RO-SRI";
        var admin = replicas.First.ClientFor(Roles.Admin);
        (await admin.PutAsJsonAsync($"/partners/{partner}", new { name = "SRI", country = "Romania", channel = new { kind = "bus" } })).EnsureSuccessStatusCode();
        var suspended = await replicas.Probe.ListenAsync(nameof(SharingSuspended));
        var restored = await replicas.Probe.ListenAsync(nameof(SharingRestored));

        // Forty decisions at once, half on each replica, each on the partner's state as its own session read it;
        // a decision made on a stale version must lose (ConcurrencyException) and be taken again, as the bus retry does.
        var appended = 0;
        await Task.WhenAll(Enumerable.Range(0, 40).Select(async i =>
        {
            var host = i % 2 == 0 ? replicas.First : replicas.Second;
            while (true)
            {
                await using var scope = host.Services.CreateAsyncScope();
                var handler = scope.ServiceProvider.GetRequiredService<CommandHandler>();
                var session = handler.Session;
                var before = (await session.Events.FetchStreamStateAsync($"partner/{partner}"))?.Version;
                try
                {
                    if (i % 4 < 2)
                    {
                        await handler.HandleAsync(scope.ServiceProvider.GetRequiredService<SuspendSharingSlice>(), new SuspendSharing { Partner = partner, By = $"replica {i % 2}", Reason = $"step {i}" }, Transports.Bus, CancellationToken.None);
                    }
                    else
                    {
                        await handler.HandleAsync(scope.ServiceProvider.GetRequiredService<RestoreSharingSlice>(), new RestoreSharing { Partner = partner, By = $"replica {i % 2}", Reason = $"step {i}" }, Transports.Bus, CancellationToken.None);
                    }

                    var after = (await session.Events.FetchStreamStateAsync($"partner/{partner}"))?.Version;
                    if (after != before)
                    {
                        Interlocked.Increment(ref appended);
                    }

                    return;
                }
                catch (Exception e) when (e is JasperFx.ConcurrencyException or ExistingStreamIdCollisionException or ConcurrentUpdateException)
                {
                    // Lost the race for this version: read the stream again and decide again.
                }
            }
        }));

        var rows = await replicas.Ledger.ReadAsync(StreamKey.For(StreamKinds.Partner, partner));
        Assert.Equal(Enumerable.Range(1, rows.Count).Select(v => (long)v), rows.Select(r => r.Version));
        Assert.Equal(rows.OrderBy(r => r.Version).Select(r => r.Sequence), rows.OrderBy(r => r.Sequence).Select(r => r.Sequence));
        var changes = rows.Skip(1).Select(r => r.Type).ToList();
        Assert.NotEmpty(changes);
        Assert.All(changes.Select((type, index) => (type, index)), c => Assert.Equal(Transitions[c.index % 2], c.type));

        // The forwarder (one leader across replicas) forwards each change once, in ledger order, carrying its sequence.
        var forwarded = new List<(long Sequence, string Type)>();
        await Eventually.TrueAsync(() =>
        {
            forwarded = [.. suspended.Select(m => (Sequence(m), "sharing_suspended")).Concat(restored.Select(m => (Sequence(m), "sharing_restored")))];
            return Task.FromResult(forwarded.Count == changes.Count);
        }, $"{changes.Count} forwarded changes of {partner}");
        Assert.Equal(rows.Skip(1).Select(r => (r.Sequence, r.Type)), forwarded.OrderBy(f => f.Sequence));
        Assert.Equal(suspended.Select(Sequence).Order(), suspended.Select(Sequence));
        Assert.Equal(restored.Select(Sequence).Order(), restored.Select(Sequence));

        var state = await admin.GetFromJsonAsync<JsonElement>($"/partners/{partner}");
        Assert.Equal(changes[^1] == "sharing_suspended" ? "suspended" : "active", state.GetProperty("sharing").GetString());
    }

    private static long Sequence(ProbedMessage message) => long.Parse(message.Headers["Audit-Ledger-Sequence"], System.Globalization.CultureInfo.InvariantCulture);
}
