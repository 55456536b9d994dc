using System.Diagnostics;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace AuditPlatform.Benchmarks;

/// <summary>
/// This machine's limits, measured in the same run as the platform so that ratios hold on a noisy machine:
/// (a) RabbitMQ alone, (b) PostgreSQL alone, (c) consume, commit, ack: a message becoming a durable row.
/// </summary>
public static class Ceilings
{
    public const string Rabbit = "(a) RabbitMQ";
    public const string Postgres = "(b) PostgreSQL";
    public const string Combined = "(c) bus→commit→ack";
    private const string Scenario = "1 ceilings";
    private const int Connections = 8;

    /// <summary>A ~1 KB JSON document, like a disclosure event with its recipients.</summary>
    public static byte[] Kilobyte(int i) =>
        Encoding.UTF8.GetBytes($"{{\"n\":{i},\"id\":\"{Guid.NewGuid()}\",\"payload\":\"{new string('x', 940)}\"}}");

    public static async Task RunAsync(Platform platform, Report report)
    {
        Console.WriteLine("== 1 ceilings");
        await using var vhost = await platform.ThrowawayVhostAsync();
        await using var database = await ThrowawayDatabase.CreateAsync(platform.Options);

        var rabbit = await RabbitAsync(vhost.Factory, platform.Options.RabbitMessages);
        report.Ceiling(Scenario, Rabbit, Ceilings.Rabbit + ": persistent 1 KB, confirms, manual ack", rabbit);

        var postgres = await PostgresAsync(database.ConnectionString, platform.Options.PostgresWindow);
        report.Ceiling(Scenario, Postgres, Ceilings.Postgres + ": 1 KB jsonb insert+commit, 8 connections", postgres);

        var cpu = new CpuWatch(platform.Options);
        var own = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var combined = await CombinedAsync(vhost.Factory, database.ConnectionString, platform.Options.CombinedMessages);
        report.Ceiling(Scenario, Combined, Combined + ": consume, commit, ack, 8 consumers", combined);
        var perMessage = cpu.PerUnit(platform.Options.CombinedMessages);
        foreach (var part in new[] { "PostgreSQL", "RabbitMQ" }.Where(perMessage.ContainsKey))
        {
            report.Add(new Figure(Scenario, $"CPU per message in (c): {part}", Math.Round(perMessage[part], 2), "ms", Note: "filling and draining the queue"));
        }

        var consumer = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - own).TotalMilliseconds / platform.Options.CombinedMessages;
        report.Add(new Figure(Scenario, "CPU per message in (c): benchmark client", Math.Round(consumer, 2), "ms", Note: "publisher and consumers"));
    }

    /// <summary>Publishes <paramref name="count"/> messages with confirms while one manual-ack consumer drains the queue.</summary>
    private static async Task<double> RabbitAsync(ConnectionFactory factory, int count)
    {
        await using var connection = await factory.CreateConnectionAsync();
        await using var consumerChannel = await connection.CreateChannelAsync();
        await consumerChannel.QueueDeclareAsync("ceiling-a", durable: true, exclusive: false, autoDelete: false);
        await consumerChannel.BasicQosAsync(0, 200, false);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = 0;
        var consumer = new AsyncEventingBasicConsumer(consumerChannel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await consumerChannel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (++received == count)
            {
                done.TrySetResult();
            }
        };
        await consumerChannel.BasicConsumeAsync("ceiling-a", autoAck: false, consumer);

        var clock = Stopwatch.StartNew();
        await PublishManyAsync(connection, string.Empty, "ceiling-a", count, i => (Kilobyte(i), null));
        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        return count / clock.Elapsed.TotalSeconds;
    }

    /// <summary>Eight connections, each inserting and committing one ~1 KB jsonb row at a time, for a fixed window.</summary>
    private static async Task<double> PostgresAsync(string connectionString, TimeSpan window)
    {
        var rows = 0L;
        using var stop = new CancellationTokenSource(window);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(async worker =>
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                await InsertAsync(connection, $"ceiling/{worker}", Kilobyte(worker));
                Interlocked.Increment(ref rows);
            }
        }));
        return rows / clock.Elapsed.TotalSeconds;
    }

    /// <summary>A queue filled first, then drained by eight consumers that each commit a row before acking its message.</summary>
    private static async Task<double> CombinedAsync(ConnectionFactory factory, string connectionString, int count)
    {
        await using var connection = await factory.CreateConnectionAsync();
        await using (var setup = await connection.CreateChannelAsync())
        {
            await setup.QueueDeclareAsync("ceiling-c", durable: true, exclusive: false, autoDelete: false);
        }

        await PublishManyAsync(connection, string.Empty, "ceiling-c", count, i => (Kilobyte(i), null));

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acked = 0;
        var channels = new List<IChannel>();
        var databases = new List<NpgsqlConnection>();
        var clock = Stopwatch.StartNew();
        for (var worker = 0; worker < Connections; worker++)
        {
            var channel = await connection.CreateChannelAsync();
            await channel.BasicQosAsync(0, 32, false);
            var database = new NpgsqlConnection(connectionString);
            await database.OpenAsync();
            channels.Add(channel);
            databases.Add(database);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += async (_, delivery) =>
            {
                await InsertAsync(database, "ceiling/combined", delivery.Body.ToArray());
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
                if (Interlocked.Increment(ref acked) == count)
                {
                    done.TrySetResult();
                }
            };
            await channel.BasicConsumeAsync("ceiling-c", autoAck: false, consumer);
        }

        await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var rate = count / clock.Elapsed.TotalSeconds;
        foreach (var channel in channels)
        {
            await channel.DisposeAsync();
        }

        foreach (var database in databases)
        {
            await database.DisposeAsync();
        }

        return rate;
    }

    private static async Task InsertAsync(NpgsqlConnection connection, string stream, byte[] json)
    {
        await using var insert = new NpgsqlCommand("insert into ledger_ceiling (stream_id, data) values ($1, $2)", connection);
        insert.Parameters.Add(new NpgsqlParameter { Value = stream });
        insert.Parameters.Add(new NpgsqlParameter { Value = Encoding.UTF8.GetString(json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        await insert.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Publishes persistent messages as fast as the broker confirms them: a window of unconfirmed publishes on
    /// one channel, each awaited for its confirm. Returns the local time each message was handed to the client.
    /// </summary>
    public static async Task<DateTimeOffset[]> PublishManyAsync(
        IConnection connection, string exchange, string routingKey, int count,
        Func<int, (byte[] Body, BasicProperties? Properties)> message, int window = 256)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var sentAt = new DateTimeOffset[count];
        var pending = new List<Task>(window);
        for (var i = 0; i < count; i++)
        {
            var (body, properties) = message(i);
            properties ??= new BasicProperties();
            properties.Persistent = true;
            sentAt[i] = DateTimeOffset.UtcNow;
            pending.Add(channel.BasicPublishAsync(exchange, routingKey, mandatory: false, properties, body).AsTask());
            if (pending.Count == window)
            {
                await Task.WhenAll(pending);
                pending.Clear();
            }
        }

        await Task.WhenAll(pending);
        return sentAt;
    }
}
