using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Tests.Integration;
using AuditPlatform.Audit.Witnesses;
using AuditPlatform.ServiceDefaults.Security;
using AuditPlatform.Testing;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace AuditPlatform.Audit.Tests.Witness;

/// <summary>
/// A bus partner's witness, over the real broker: the Audit service and the witness each log in with exactly the
/// broker permissions deploy/local/lib.sh grants (the Audit service's user, and the partner's integrator account).
/// Requests reach the witness on its partner's queue, cosignatures come back on the answer exchange; another partner
/// can neither read those requests nor answer in the witness's name, and an answer from the wrong account is ignored.
/// </summary>
public sealed class BusWitnessTests : IClassFixture<AuditFixture>, IAsyncLifetime
{
    private const string Name = "witness.uk-mi6.example/w1";
    private const string Partner = "UK-MI6";

    private readonly LocalWitness witness;
    private readonly List<IAsyncDisposable> owned = [];
    private BrokerAccount auditAccount = null!;
    private BrokerAccount partnerAccount = null!;
    private BrokerAccount otherPartner = null!;
    private readonly AuditFixture fixture;
    private ServiceHost<AuditApp> audit = null!;

    public BusWitnessTests(AuditFixture fixture)
    {
        this.fixture = fixture;
        witness = new LocalWitness(Name, fixture);
    }

    public async Task InitializeAsync()
    {
        auditAccount = await BrokerAccount.CreateAsync(fixture, $"{fixture.VirtualHost}-audit", "bus_permission_patterns", "audit");
        partnerAccount = await BrokerAccount.CreateAsync(fixture, $"{fixture.VirtualHost}-partner-{Partner}", "integrator_permission_patterns", Partner);
        otherPartner = await BrokerAccount.CreateAsync(fixture, $"{fixture.VirtualHost}-partner-UK-GCHQ", "integrator_permission_patterns", "UK-GCHQ");
        var settings = fixture.AuditSettings();
        settings["ConnectionStrings:Bus"] = auditAccount.Address.ToString();
        settings["Audit:Witnesses:0:Name"] = Name;
        settings["Audit:Witnesses:0:Transport"] = "bus";
        settings["Audit:Witnesses:0:Partner"] = Partner;
        settings["Audit:Witnesses:0:BusUser"] = partnerAccount.User;
        settings["Audit:Witnesses:0:VerifierKey"] = witness.VerifierKey;
        settings["Audit:WitnessInterval"] = "01:00:00";
        settings["Audit:WitnessTimeout"] = "00:00:02";
        audit = new ServiceHost<AuditApp>(fixture, settings);
        audit.ListenOnLoopback();
    }

    public async Task DisposeAsync()
    {
        foreach (var resource in Enumerable.Reverse(owned))
        {
            await resource.DisposeAsync();
        }

        await audit.DisposeAsync();
        foreach (var account in new[] { auditAccount, partnerAccount, otherPartner })
        {
            await account.DisposeAsync();
        }

        await witness.DisposeAsync();
    }

    [Fact]
    public async Task Checkpoints_are_cosigned_over_the_partners_queue_and_nobody_else_can_read_or_answer_for_it()
    {
        var rounds = audit.Services.GetRequiredService<WitnessRounds>();
        await fixture.RegisterAsync("B-1");
        await fixture.CheckpointAsync();

        // The service declared the partner's queue when it started, before any checkpoint was sent to it.
        using var management = fixture.Servers.ManagementClient();
        await Eventually.TrueAsync(
            async () => (await management.GetAsync($"queues/{Uri.EscapeDataString(fixture.VirtualHost)}/{WitnessBus.QueueFor(Partner)}")).IsSuccessStatusCode,
            "the service to declare the partner's witness queue");

        // No witness runs yet. The test's own account (the broker administrator) listens in on the request exchange,
        // as only an administrator could.
        var spy = await ConnectAsync(fixture.Bus);
        var copies = await spy.CreateChannelAsync();
        var copy = (await copies.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true)).QueueName;
        await copies.QueueBindAsync(copy, WitnessBus.RequestExchange, Partner);
        var (round, request) = await RequestedAsync(rounds, copies, copy);
        Assert.Equal(WitnessBus.RequestType, request.BasicProperties.Type);
        Assert.StartsWith("old 0\n", Encoding.UTF8.GetString(request.Body.Span), StringComparison.Ordinal);

        // Another partner cannot take the requests, cannot answer in the witness's account, and its own forged
        // "fork" answer is ignored: the round times out with no outcome, and nothing is recorded as refused.
        var other = await ConnectAsync(otherPartner.Address);
        var refused = await Assert.ThrowsAsync<OperationInterruptedException>(async () =>
        {
            await using var channel = await other.CreateChannelAsync();
            await channel.BasicConsumeAsync(WitnessBus.QueueFor(Partner), autoAck: true, new AsyncEventingBasicConsumer(channel));
        });
        Assert.Contains("ACCESS_REFUSED", refused.Message, StringComparison.Ordinal);
        var impersonated = await Assert.ThrowsAnyAsync<Exception>(() => AnswerAsync(other, request.BasicProperties.CorrelationId!, partnerAccount.User));
        Assert.Contains("PRECONDITION_FAILED", impersonated.ToString(), StringComparison.Ordinal);
        await AnswerAsync(other, request.BasicProperties.CorrelationId!, otherPartner.User);
        Assert.Empty(await round);
        using var compliance = audit.ClientFor(Roles.Compliance);
        Assert.Equal(0, (await compliance.GetFromJsonAsync<JsonElement>("/audit/events?type=witness_refused")).GetProperty("events").GetArrayLength());

        // The partner's witness starts, under the partner's own account, and cosigns from its queue.
        var witnessUrl = await witness.StartAsync(new Dictionary<string, string?>
        {
            ["Witness:Bus:Connection"] = partnerAccount.Address.ToString(),
            ["Witness:Bus:Queue"] = WitnessBus.QueueFor(Partner),
            ["Witness:Bus:RetryDelay"] = "00:00:00.200",
        });
        using var witnessHttp = new HttpClient { BaseAddress = new Uri(witnessUrl) };
        await Eventually.TrueAsync(
            async () => (await witnessHttp.GetFromJsonAsync<JsonElement>("/")).GetProperty("bus").GetProperty("listening").GetBoolean(), "the witness to consume its queue");
        var cosigned = await CosignedAsync(rounds);
        Assert.Equal(Name, cosigned.Witness);

        var latest = await compliance.GetFromJsonAsync<JsonElement>("/audit/checkpoints/latest");
        Assert.NotNull(Cosignature.Verify(latest.GetProperty("note").GetString()!, witness.VerifierKey));
        var listed = (await compliance.GetFromJsonAsync<JsonElement>("/audit/witnesses")).GetProperty("witnesses")[0];
        Assert.Equal("bus", listed.GetProperty("transport").GetString());
        Assert.Equal("witness.UK-MI6", listed.GetProperty("queue").GetString());
        Assert.True(listed.GetProperty("lastCosigned").GetProperty("cosigned").GetBoolean());

        // The log grows: the next checkpoint travels with its consistency proof and is cosigned the same way.
        await fixture.RegisterAsync("B-2");
        await fixture.CheckpointAsync();
        var next = await CosignedAsync(rounds);
        Assert.True(next.Size > cosigned.Size);
        Assert.Equal(2, (await compliance.GetFromJsonAsync<JsonElement>("/audit/events?type=checkpoint_cosigned")).GetProperty("events").GetArrayLength());
    }

    /// <summary>
    /// Runs rounds until the witness answers (a request can expire while the witness connects, and a round that finds
    /// another round holding the lock sends nothing), for at most the test's bound.
    /// </summary>
    private static Task<WitnessOutcome> CosignedAsync(WitnessRounds rounds) => Eventually.GetAsync(async () =>
    {
        var outcome = (await rounds.RunAsync(CancellationToken.None)).SingleOrDefault();
        Assert.True(outcome is null || outcome.Cosigned, outcome?.Detail);
        return outcome;
    }, "the witness to cosign the latest checkpoint");

    /// <summary>
    /// Starts rounds until one sends the partner a request, and gives that round with the request the spy saw. The
    /// service's own round at start-up can still hold the round's lock (for up to the witness timeout) when the test's
    /// round begins, if it found the checkpoint; a round without the lock sends nothing, and the next one is tried.
    /// </summary>
    private static async Task<(Task<IReadOnlyList<WitnessOutcome>> Round, BasicGetResult Request)> RequestedAsync(WitnessRounds rounds, IChannel channel, string queue)
    {
        var deadline = DateTime.UtcNow + Eventually.DefaultBound;
        while (DateTime.UtcNow < deadline)
        {
            var round = rounds.RunAsync(CancellationToken.None);
            while (DateTime.UtcNow < deadline)
            {
                var finished = round.IsCompleted;
                if (await channel.BasicGetAsync(queue, autoAck: true) is { } request)
                {
                    return (round, request);
                }

                if (finished)
                {
                    break;
                }

                await Task.Delay(50);
            }
        }

        throw new TimeoutException($"Still waiting, after {Eventually.DefaultBound.TotalSeconds:0} s, for a round to send the partner a request.");
    }

    /// <summary>A "fork" answer for the request, published with the given <c>user_id</c> and a confirm.</summary>
    private static async Task AnswerAsync(IConnection connection, string correlationId, string userId)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        var properties = new BasicProperties
        {
            CorrelationId = correlationId,
            UserId = userId,
            ContentType = "text/plain; charset=utf-8",
            Headers = new Dictionary<string, object?> { [WitnessBus.StatusHeader] = 409 },
        };
        await channel.BasicPublishAsync(WitnessBus.AnswerExchange, string.Empty, mandatory: false, properties, "fork: forged\n"u8.ToArray());
    }

    private async Task<IConnection> ConnectAsync(Uri address)
    {
        var connection = await new ConnectionFactory { Uri = address, AutomaticRecoveryEnabled = false }.CreateConnectionAsync();
        owned.Add(connection);
        return connection;
    }
}
