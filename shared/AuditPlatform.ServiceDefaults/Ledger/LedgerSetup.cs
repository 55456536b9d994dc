using System.Buffers.Binary;
using System.Data.Common;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using JasperFx;
using JasperFx.Events;
using JasperFx.Events.Daemon;
using Marten;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using AuditPlatform.ServiceDefaults.Http;
using Npgsql;

namespace AuditPlatform.ServiceDefaults.Ledger;

public static class LedgerSetup
{
    /// <summary>Schema of the one event store every service appends to.</summary>
    public const string LedgerSchema = "ledger";

    /// <summary>
    /// The Marten ledger: events in schema <c>ledger</c>, this service's documents in its own schema,
    /// the async daemon (hot/cold, one leader per service) running the ledger forwarder. <paramref name="plans"/> says
    /// how PostgreSQL plans the service's prepared statements (<see cref="StatementPlans"/>).
    /// </summary>
    public static IServiceCollection AddLedger(this WebApplicationBuilder builder, EventTable ledger, StatementPlans plans = StatementPlans.Kept)
    {
        var serviceName = ledger.Service;
        var connectionString = builder.Configuration.GetConnectionString("Ledger")
            ?? throw new InvalidOperationException("ConnectionStrings:Ledger is not configured.");
        var migrate = builder.Configuration.GetValue("Ledger:ApplySchemaOnStartup", true);
        var daemon = builder.Configuration.GetValue("Ledger:Daemon", DaemonMode.HotCold);
        var listen = builder.Configuration.GetValue("Ledger:ListenNotify", false);
        var polling = builder.Configuration.GetValue("Ledger:PollingInterval", TimeSpan.FromMilliseconds(100));

        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(Tuned(connectionString, serviceName, plans)) { Name = serviceName }.Build());
        builder.Services.AddSingleton(ledger);
        // The daemon polls on the wall clock, as Marten's own waits do, whatever clock the service's rules run on.
        builder.Services.AddSingleton(_ => new CommitWakeup(TimeProvider.System));

        var marten = builder.Services.AddMarten(sp =>
        {
            var options = new StoreOptions();
            options.Connection(sp.GetRequiredService<NpgsqlDataSource>());
            ConfigureShared(options, serviceName, migrate);
            // On, each commit also notifies the daemons (PostgreSQL NOTIFY) and they wake at once instead of at the
            // next poll. Off by default: measured under load it cost more than it saved (every service's daemon woke
            // on every commit of every service; docs/performance.md has both runs).
            options.Events.UseListenNotifyForEventAppends = listen;
            // Off, this process's own commits wake its daemon (CommitWakeup); other replicas' are found by the poll.
            var wakeup = sp.GetRequiredService<CommitWakeup>();
            options.Listeners.Add(wakeup);
            options.Projections.Wakeup = listen ? null : wakeup;
            // The high-water agent waits SlowPollingTime (1 s by default) when it finds nothing new or a gap left by a
            // transaction still in flight, which concurrent appends leave all the time: the forwarder then lagged up to
            // a second behind the ledger (docs/performance.md). One cheap query per 100 ms keeps it close.
            options.Projections.FastPollingTime = polling;
            options.Projections.SlowPollingTime = polling;
            ledger.Apply(options);
            return options;
        })
        .UseLightweightSessions()
        .BuildSessionsWith<TracedSessionFactory>(ServiceLifetime.Singleton)
        // Hot/cold is led here (LedgerLeadership), not by Marten's election, whose leader kept a transaction open.
        .AddAsyncDaemon(daemon == DaemonMode.HotCold ? DaemonMode.Disabled : daemon);

        if (migrate)
        {
            marten.ApplyAllDatabaseChangesOnStartup();
        }

        marten.AddSubscriptionWithServices<LedgerForwarder>(ServiceLifetime.Singleton, o =>
        {
            o.Name = $"{serviceName}-forwarder";
            o.Options.BatchSize = 500;
        });
        if (daemon == DaemonMode.HotCold)
        {
            // The lock's connections are not pooled: the lock must go with its connection, never back to a pool.
            var lockSource = new NpgsqlDataSourceBuilder(Tuned(connectionString, serviceName + "-leadership")) { Name = serviceName + "-leadership" };
            lockSource.ConnectionStringBuilder.Pooling = false;
            var leadership = new ForwarderLeadership($"{serviceName}-forwarder", TimeProvider.System);
            builder.Services.AddSingleton(leadership);
            builder.Services.AddHealthChecks().AddCheck<ForwarderLeadershipCheck>("ledger-forwarder", tags: [HealthSetup.ReadyTag, HealthSetup.ShowsDataTag]);
            builder.Services.AddHostedService(sp => ActivatorUtilities.CreateInstance<LedgerLeadership>(
                sp, ReadWrite(lockSource.Build()), DaemonLockIdFor(serviceName), leadership));
        }

        return builder.Services;
    }

    /// <summary>The options every service must share, because they shape the one ledger table.</summary>
    public static void ConfigureShared(StoreOptions options, string serviceName, bool migrate)
    {
        options.DatabaseSchemaName = serviceName;
        options.Events.DatabaseSchemaName = LedgerSchema;
        options.Events.StreamIdentity = StreamIdentity.AsString;
        options.Events.MetadataConfig.HeadersEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.AppendMode = EventAppendMode.Quick;
        // The unpatched DistributedLock refuses multiplexed locks on a data source (README, "Restoring Marten"). Marten's
        // hot/cold election is not used (LedgerLeadership leads instead), but whatever lock Marten still takes is taken so.
        options.Events.UseAdvisoryLockTransaction = true;
        options.AutoCreateSchemaObjects = migrate ? AutoCreate.CreateOrUpdate : AutoCreate.None;
        // One daemon leader per service: the services share the database, so they must not share the lock. LedgerLeadership
        // takes the same id, so a replica of an older release, led by Marten's election, still excludes a new one.
        options.Projections.DaemonLockId = DaemonLockIdFor(serviceName);
        options.Projections.StaleSequenceThreshold = TimeSpan.FromSeconds(3);
    }

    /// <summary>The connections a replica keeps to each PostgreSQL host at most, unless its connection string says.</summary>
    public const int DefaultMaxPoolSize = 20;

    /// <summary>
    /// The ledger connection as every service uses it, unless the operator's connection string says otherwise:
    /// <list type="bullet">
    /// <item>statements a service runs over and over are prepared (Npgsql's automatic preparation; a service runs a few
    /// dozen distinct statements, and without it PostgreSQL parses each of them on every call); with
    /// <see cref="StatementPlans.PerCall"/> they are still planned for each call's values
    /// (<c>plan_cache_mode=force_custom_plan</c>), with <see cref="StatementPlans.Kept"/> PostgreSQL keeps a plan once
    /// it is no worse than a fresh one (its default);</item>
    /// <item>a connection returned to the pool is not reset (<c>No Reset On Close</c>): the reset cost seven statements
    /// on every return, about ten times per disclosure in Notification. Nothing here leaves session state behind: advisory
    /// locks are transaction-scoped (<c>UseAdvisoryLockTransaction</c>), and the daemon's leadership lock is taken on a
    /// connection that is never pooled (<see cref="LedgerLeadership"/>).</item>
    /// <item>its sessions carry the service's name (<c>Application Name</c>), so <c>pg_stat_activity</c> and the
    /// server's log tell the services' sessions apart, and a leader's from the pool's.</item>
    /// <item>a replica opens at most <see cref="DefaultMaxPoolSize"/> connections to each host (Npgsql's own default is
    /// 100). Every endpoint may run 32 messages at once (the prefetch), and while PostgreSQL restarts they are all held
    /// and tried again together: each replica grew its pool to about 65 connections when it came back, eight replicas on
    /// the cluster took 388 of the server's 400, and a probe or a leader waited seconds for a connection or was refused
    /// (53300). More than that many statements at once do not make a ledger on a few cores faster; a message that finds
    /// the pool busy waits for a connection (up to the connection's <c>Timeout</c>) and is held if it gets none.</item>
    /// </list>
    /// An operator's own <c>Max Auto Prepare</c>, <c>No Reset On Close</c>, <c>Application Name</c> or
    /// <c>Maximum Pool Size</c> wins (docs/performance.md and docs/reliability.md have the figures).
    /// </summary>
    public static string Tuned(string connectionString, string applicationName, StatementPlans plans = StatementPlans.Kept)
    {
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (!given.Contains("MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = 128;
            settings.AutoPrepareMinUsages = 2;
        }

        // Audit's filter queries (every filter "is null or ...") are planned for the values of each call, whoever set
        // the preparation: their generic plan walks the whole ledger (1.6 s where the value's plan takes 1 ms). Every
        // other service's statements keep their plan: planned for each call, planning was a quarter of PostgreSQL's
        // time on the write path (the inserts, the foreign key's check and the append function's statements included;
        // docs/performance.md).
        if (plans == StatementPlans.PerCall && settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            settings.Options = ((settings.Options ?? string.Empty) + " -c plan_cache_mode=force_custom_plan").Trim();
        }

        if (!given.Contains("NoResetOnClose"))
        {
            settings.NoResetOnClose = true;
        }

        if (!given.Contains("ApplicationName"))
        {
            settings.ApplicationName = applicationName;
        }

        if (!given.Contains("MaxPoolSize") && !given.Contains("MaximumPoolSize"))
        {
            settings.MaxPoolSize = DefaultMaxPoolSize;
        }

        return settings.ConnectionString;
    }

    /// <summary>On several hosts, only the one that takes writes: the leader's lock must be where the ledger is written.</summary>
    private static NpgsqlDataSource ReadWrite(NpgsqlDataSource source) =>
        source is NpgsqlMultiHostDataSource hosts ? hosts.WithTargetSession(TargetSessionAttributes.ReadWrite) : source;

    public static int DaemonLockIdFor(string serviceName) =>
        BinaryPrimitives.ReadInt32BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("auditplatform-daemon:" + serviceName))) & 0x3FFFFFFF;
}

/// <summary>How PostgreSQL plans a service's prepared statements.</summary>
public enum StatementPlans
{
    /// <summary>
    /// PostgreSQL's own choice (<c>plan_cache_mode=auto</c>): a statement is planned for its values for its first
    /// calls, then its generic plan is kept unless it is estimated to cost more. For statements whose every filter
    /// applies: the write path, lookups by key, the delivery sweep along its index.
    /// </summary>
    Kept,

    /// <summary>
    /// Planned for each call's values (<c>plan_cache_mode=force_custom_plan</c>), for a service whose queries have
    /// optional filters (<c>$1 is null or ...</c>), whose generic plan cannot use the index a given value would.
    /// </summary>
    PerCall,
}

/// <summary>Stamps every session with the current W3C trace context so the forwarder can continue the trace.</summary>
internal sealed class TracedSessionFactory(IDocumentStore store) : ISessionFactory
{
    public const string TraceParentHeader = "traceparent";

    public IQuerySession QuerySession() => store.QuerySession();

    public IDocumentSession OpenSession() => store.TracedSession();

    /// <summary>Stamps a session with the current trace context, if any.</summary>
    public static IDocumentSession Stamp(IDocumentSession session)
    {
        var activity = Activity.Current;
        if (activity is not null)
        {
            session.SetHeader(TraceParentHeader, activity.Id!);
            session.CorrelationId = activity.TraceId.ToString();
        }

        return session;
    }
}

/// <summary>Sessions for background work (workers, sweeps) that append outside a request or a consumer.</summary>
public static class TracedSessions
{
    /// <summary>
    /// A lightweight session stamped with the current trace context, as injected sessions are: events it appends
    /// carry the trace to the forwarder, so a story started by a request continues through background work.
    /// </summary>
    public static IDocumentSession TracedSession(this IDocumentStore store) => TracedSessionFactory.Stamp(store.LightweightSession());

    /// <summary>The W3C traceparent an event was recorded under, from its headers; null when it has none.</summary>
    public static string? TraceParentOf(IEvent recorded) =>
        recorded.Headers?.TryGetValue(TracedSessionFactory.TraceParentHeader, out var value) == true ? value?.ToString() : null;

    /// <summary>The trace context a traceparent names; default (no parent) when there is none or it is malformed.</summary>
    public static ActivityContext TraceContextOf(string? traceParent) =>
        ActivityContext.TryParse(traceParent, null, out var context) ? context : default;
}
