using System.Text;

namespace AuditPlatform.Audit.Witnesses;

/// <summary>A witness's answer to <c>add-checkpoint</c>: the status (HTTP semantics), the body's media type and the body.</summary>
public sealed record WitnessReply(int Status, string? MediaType, string Body);

/// <summary>How an <c>add-checkpoint</c> request reaches a witness and its answer comes back.</summary>
public interface IWitnessTransport
{
    /// <summary>The witness's answer, or null when it could not be reached (the round tries again later).</summary>
    Task<WitnessReply?> SendAsync(WitnessEndpoint witness, string body, CancellationToken cancellationToken);

    /// <summary>Sets up what requests travel by before the first one (the bus's exchanges and queues); never throws for an unreachable broker.</summary>
    Task PrepareAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>tlog-witness over HTTP: <c>POST &lt;Url&gt;/add-checkpoint</c> with the request as plain text.</summary>
public sealed partial class HttpWitnessTransport(IHttpClientFactory http, ILogger<HttpWitnessTransport> logger) : IWitnessTransport
{
    public const string ClientName = "witnesses";

    public async Task<WitnessReply?> SendAsync(WitnessEndpoint witness, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(witness);
        try
        {
            using var client = http.CreateClient(ClientName);
            using var response = await client.PostAsync(new Uri(witness.Url.TrimEnd('/') + "/add-checkpoint"), new StringContent(body, Encoding.UTF8, "text/plain"), cancellationToken);
            return new WitnessReply((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Unreachable(logger, witness.Name, e.Message);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Witness {Witness} could not be reached ({Why}); the checkpoint is sent again next round")]
    private static partial void Unreachable(ILogger logger, string witness, string why);
}
