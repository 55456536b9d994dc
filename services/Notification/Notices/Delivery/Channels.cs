using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using AuditPlatform.Contracts;
using AuditPlatform.Notification.Partners;
using AuditPlatform.Notification.Partners.WebhookSecrets;
using AuditPlatform.ServiceDefaults.Messaging;
using RabbitMQ.Client;

namespace AuditPlatform.Notification.Notices.Delivery;

/// <summary>An attempt the partner's channel did not accept; the message is what the ledger records.</summary>
public sealed class DeliveryRefusedException : Exception
{
    public DeliveryRefusedException()
    {
    }

    public DeliveryRefusedException(string message)
        : base(message)
    {
    }

    public DeliveryRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The webhook channel: a signed POST of the notice's JSON (a typed client from <see cref="IHttpClientFactory"/>).</summary>
public sealed class WebhookChannel(HttpClient http)
{
    public const string NoticeIdHeader = "X-Audit-Notice-Id";
    public const string AttemptHeader = "X-Audit-Delivery-Attempt";

    /// <summary>Signs with the first secret; a second (the one being rotated out) signs <see cref="WebhookSignature.PreviousHeader"/>.</summary>
    public async Task SendAsync(Uri url, IReadOnlyList<string> secrets, Guid noticeId, int attempt, byte[] body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.Compute(secrets[0], body));
        if (secrets.Count > 1)
        {
            request.Headers.Add(WebhookSignature.PreviousHeader, WebhookSignature.Compute(secrets[1], body));
        }

        request.Headers.Add(NoticeIdHeader, noticeId.ToString("D"));
        request.Headers.Add(AttemptHeader, attempt.ToString(CultureInfo.InvariantCulture));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new DeliveryRefusedException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
    }
}

/// <summary>
/// The bus channel: the notice's plain JSON on the durable queue <c>partner.&lt;code&gt;</c>, published through the
/// default exchange with RabbitMQ.Client and a publisher confirm. Not through MassTransit: its envelope and
/// exchange-per-type topology are for the platform's own services, while a partner's consumer in any language
/// should read one queue of bare JSON.
/// </summary>
public sealed class PartnerQueues(IConfiguration configuration) : IAsyncDisposable
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly ConcurrentDictionary<string, bool> declared = new(StringComparer.Ordinal);
    private IConnection? connection;
    private IChannel? channel;

    public static string QueueFor(string partner) => PartnerQueueTopology.For(partner);

    /// <summary>
    /// Puts one message on the partner's queue and returns once the broker confirmed it; <paramref name="type"/> is its
    /// AMQP <c>type</c> (<c>notice</c>, <c>command-refused</c>). Only opening the channel and declaring the queue take
    /// turns: publishes share the channel and wait for their confirms together (each held the channel through its own
    /// confirm before, which kept delivery to about one notice per broker round trip; docs/performance.md).
    /// </summary>
    public async Task SendAsync(string partner, Guid noticeId, byte[] body, CancellationToken cancellationToken, string type = "notice")
    {
        var queue = QueueFor(partner);
        try
        {
            IChannel open;
            await gate.WaitAsync(cancellationToken);
            try
            {
                open = await ChannelAsync(cancellationToken);
                await DeclareAsync(open, queue, cancellationToken);
            }
            finally
            {
                gate.Release();
            }

            var properties = new BasicProperties
            {
                ContentType = "application/json",
                ContentEncoding = "utf-8",
                Persistent = true,
                MessageId = noticeId.ToString("D"),
                Type = type,
            };
            await open.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, body, cancellationToken);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            throw new DeliveryRefusedException($"The broker did not take the notice for {queue}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Creates the partner's queue, so its consumer can subscribe from the moment it is registered instead of only
    /// after its first notice (an integrator may not declare queues itself).
    /// </summary>
    public async Task DeclareAsync(string partner, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            await DeclareAsync(await ChannelAsync(cancellationToken), QueueFor(partner), cancellationToken);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task DeclareAsync(IChannel open, string queue, CancellationToken cancellationToken)
    {
        if (!declared.ContainsKey(queue))
        {
            await PartnerQueueTopology.DeclareAsync(open, queue, configuration, cancellationToken);
            declared[queue] = true;
        }
    }

    private async Task<IChannel> ChannelAsync(CancellationToken cancellationToken)
    {
        if (channel is { IsOpen: true })
        {
            return channel;
        }

        if (connection is not { IsOpen: true })
        {
            if (connection is not null)
            {
                await connection.DisposeAsync();
            }

            var address = configuration.GetConnectionString("Bus") ?? throw new InvalidOperationException("ConnectionStrings:Bus is not configured.");
            var factory = new ConnectionFactory { Uri = new Uri(address), ClientProvidedName = "notification-partner-queues" };
            connection = await factory.CreateConnectionAsync(cancellationToken);
        }

        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        declared.Clear();
        channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
        }

        if (connection is not null)
        {
            await connection.DisposeAsync();
        }

        gate.Dispose();
    }
}

/// <summary>A partner's channel and webhook secret as the sweep that started an attempt read them.</summary>
public sealed record PartnerSnapshot(PartnerChannel? Partner, WebhookSecret? Secret);

/// <summary>
/// Sends one notice over the partner's channel as the sweep that started the attempt read it (each retry is started
/// by a later sweep, so it sees a changed channel). A webhook attempt is signed when it is sent, with the secrets in
/// force at that moment, so a retry after a rotation carries the new signature.
/// </summary>
public sealed class NoticeCourier(WebhookChannel webhooks, PartnerQueues queues, SecretSeal seal, TimeProvider clock)
{
    /// <summary>Throws when the attempt failed; <paramref name="via"/> hears the channel kind as soon as it is known, so a failure is counted by it too.</summary>
    public async Task SendAsync(Notice notice, int attempt, PartnerSnapshot channel, Action<string> via, CancellationToken cancellationToken)
    {
        var (partner, secret) = channel;
        if (partner?.Kind is { } kind)
        {
            via(kind);
        }

        var body = NoticeMessage.From(notice.Content).ToUtf8Json();
        switch (partner?.Kind)
        {
            case ChannelKinds.Bus:
                await queues.SendAsync(notice.Partner, notice.NoticeId, body, cancellationToken);
                break;
            case ChannelKinds.Webhook when partner.WebhookUrl is null:
                throw new DeliveryRefusedException($"Partner {notice.Partner} has a webhook channel without a URL.");
            case ChannelKinds.Webhook when secret is null:
                // The admin sets it on Notification (PUT /partners/{code}/webhook-secret): a later attempt will find it.
                throw new DeliveryRefusedException($"No webhook secret is set yet for partner {notice.Partner}.");
            case ChannelKinds.Webhook:
                await webhooks.SendAsync(partner.WebhookUrl, seal.Open(secret).At(clock.GetUtcNow()), notice.NoticeId, attempt, body, cancellationToken);
                break;
            default:
                // Intake's registration may still be on its way: a later attempt will find it.
                throw new DeliveryRefusedException($"No channel is known yet for partner {notice.Partner}.");
        }
    }
}
