using AuditPlatform.Testing;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.Security.Tests;

/// <summary>
/// The database and broker refuse what the services must never do, whatever the code above them does:
/// service roles cannot rewrite the ledger, guest cannot log in, integrators reach only their own queue.
/// </summary>
public sealed class StorageAndBusBattery(HostileFixture fixture) : IClassFixture<HostileFixture>
{
    private static readonly string[] ServiceRoles = ["audit_intake", "audit_notification", "audit_escalation", "audit_audit"];

    private async Task<NpgsqlConnection> OwnerAsync()
    {
        var connection = new NpgsqlConnection(fixture.Database);
        await connection.OpenAsync();
        return connection;
    }

    private static async Task<string> TryAsync(NpgsqlConnection connection, string sql)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        try
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction);
            await command.ExecuteNonQueryAsync();
            return "allowed";
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return "permission denied";
        }
        finally
        {
            await transaction.RollbackAsync();
        }
    }

    private static async Task ApplyLeastPrivilegeAsync(NpgsqlConnection owner)
    {
        foreach (var role in ServiceRoles)
        {
            await using var create = new NpgsqlCommand($"do $$ begin if not exists (select 1 from pg_roles where rolname = '{role}') then create role {role} nologin; end if; end $$", owner);
            await create.ExecuteNonQueryAsync();
        }

        await using var apply = new NpgsqlCommand(await File.ReadAllTextAsync(PlatformFixture.RepositoryFile("deploy/sql/least-privilege.sql")), owner);
        await apply.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Service_roles_cannot_update_or_delete_the_ledger_even_with_a_mistaken_grant()
    {
        using (var admin = fixture.Services["intake"](AuditPlatform.ServiceDefaults.Security.Roles.Admin, null))
        {
            var registered = await admin.PutAsync("/partners/SEC-ONE", new StringContent("""{"name":"n","country":"c","channel":{"kind":"bus"}}""", System.Text.Encoding.UTF8, "application/json"));
            registered.EnsureSuccessStatusCode();
        }

        await using var owner = await OwnerAsync();
        await ApplyLeastPrivilegeAsync(owner);
        var failures = 0;
        foreach (var role in ServiceRoles)
        {
            foreach (var statement in new[] { "update ledger.mt_events set data = '{}'", "delete from ledger.mt_events", "truncate ledger.mt_events" })
            {
                var got = await TryAsync(owner, $"set local role {role}; {statement}");
                failures += SecurityTable.Record("postgresql", $"{role}: {statement.Split(' ')[0]} on the ledger", "permission denied", got) ? 0 : 1;
            }

            var insert = await TryAsync(owner, $"set local role {role}; select count(*) from ledger.mt_events");
            failures += SecurityTable.Record("postgresql", $"{role}: read the ledger", "allowed", insert) ? 0 : 1;
        }

        await using (var grant = new NpgsqlCommand("grant update, delete on ledger.mt_events to audit_intake", owner))
        {
            await grant.ExecuteNonQueryAsync();
        }

        var update = await TryAsync(owner, "set local role audit_intake; update ledger.mt_events set data = '{}'");
        var delete = await TryAsync(owner, "set local role audit_intake; delete from ledger.mt_events");
        failures += SecurityTable.Record("postgresql", "audit_intake with a mistaken UPDATE grant", "permission denied", update) ? 0 : 1;
        failures += SecurityTable.Record("postgresql", "audit_intake with a mistaken DELETE grant", "permission denied", delete) ? 0 : 1;
        Assert.Equal(0, failures);
    }

    private static Uri Broker(string user, string password) =>
        new UriBuilder(Environment.GetEnvironmentVariable("AUDIT_RABBITMQ") ?? throw new InvalidOperationException("Run through deploy/local/test.sh: AUDIT_RABBITMQ is not set."))
        { UserName = user, Password = password, Path = "/audit" }.Uri;

    private static string Secret(string name) =>
        File.ReadAllText(Path.Combine(Environment.GetEnvironmentVariable("AUDIT_SECRETS")
            ?? throw new InvalidOperationException("Run through deploy/local/test.sh: AUDIT_SECRETS (the local users' passwords) is not set."), name)).Trim();

    private static async Task<string> ConnectAsync(Uri broker, Func<IChannel, Task> act)
    {
        try
        {
            await using var connection = await new ConnectionFactory { Uri = broker }.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await act(channel);
            return "allowed";
        }
        catch (BrokerUnreachableException)
        {
            return "refused";
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 403)
        {
            return "access refused";
        }
    }

    [Fact]
    public async Task The_guest_user_cannot_connect()
    {
        var got = await ConnectAsync(Broker("guest", "guest"), _ => Task.CompletedTask);
        Assert.True(SecurityTable.Record("rabbitmq", "guest logs in", "refused", got));
    }

    /// <summary>The exchanges and partner queues the services declare, so the checks do not depend on a service having run.</summary>
    private static async Task EnsureTopologyAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(Environment.GetEnvironmentVariable("AUDIT_RABBITMQ")!) }.CreateConnectionAsync();
        foreach (var exchange in new[] { "RecordPartnerResponse", "SuspendSharing", "PartnerRegistered" })
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.ExchangeDeclareAsync("AuditPlatform.Contracts:" + exchange, ExchangeType.Fanout, durable: true);
        }

        foreach (var queue in new[] { "partner.US-FBI", "partner.US-DHS" })
        {
            await using var channel = await connection.CreateChannelAsync();
            try
            {
                await channel.QueueDeclarePassiveAsync(queue);
            }
            catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
            {
                await using var declare = await connection.CreateChannelAsync();
                await declare.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
            }
        }
    }

    [Fact]
    public async Task An_integrator_user_may_publish_partner_commands_and_read_only_its_own_queue()
    {
        await EnsureTopologyAsync();
        var broker = Broker("partner-US-FBI", Secret("rabbitmq-partner-US-FBI.password"));
        var failures = 0;

        failures += SecurityTable.Record("rabbitmq", "integrator publishes RecordPartnerResponse", "allowed",
            await ConnectAsync(broker, async c =>
            {
                await c.ExchangeDeclarePassiveAsync("AuditPlatform.Contracts:RecordPartnerResponse");
                await c.BasicPublishAsync("AuditPlatform.Contracts:RecordPartnerResponse", string.Empty, "{}"u8.ToArray());
            })) ? 0 : 1;
        failures += SecurityTable.Record("rabbitmq", "integrator publishes SuspendSharing", "access refused",
            await ConnectAsync(broker, async c =>
            {
                await c.BasicPublishAsync("AuditPlatform.Contracts:SuspendSharing", string.Empty, "{}"u8.ToArray());
                await c.QueueDeclarePassiveAsync("partner.US-FBI");
            })) ? 0 : 1;
        failures += SecurityTable.Record("rabbitmq", "integrator declares a queue", "access refused",
            await ConnectAsync(broker, c => c.QueueDeclareAsync("spy", durable: false, exclusive: false, autoDelete: true))) ? 0 : 1;
        failures += SecurityTable.Record("rabbitmq", "integrator US-FBI reads partner.US-DHS", "access refused",
            await ConnectAsync(broker, c => c.BasicGetAsync("partner.US-DHS", autoAck: false))) ? 0 : 1;
        failures += SecurityTable.Record("rabbitmq", "intake user binds to PartnerRegistered (it publishes it, never consumes it)", "access refused",
            await ConnectAsync(Broker("intake", Secret("rabbitmq-intake.password")), async c =>
            {
                await c.QueueDeclareAsync("intake-spy", durable: false, exclusive: true, autoDelete: true);
                await c.QueueBindAsync("intake-spy", "AuditPlatform.Contracts:PartnerRegistered", string.Empty);
            })) ? 0 : 1;
        Assert.Equal(0, failures);
    }
}
