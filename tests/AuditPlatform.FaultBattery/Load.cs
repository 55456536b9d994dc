using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AuditPlatform.FaultBattery;

/// <summary>One command the battery sent: accepted once the service answered 2xx or the broker confirmed it.</summary>
public sealed class Sent(string kind, string channel, Guid id)
{
    private int accepted;

    public string Kind { get; } = kind;

    public string Channel { get; } = channel;

    public Guid Id { get; } = id;

    /// <summary>The ledger stream the command must create exactly once.</summary>
    public string Stream => $"{Kind}/{Id:D}";

    public bool Accepted => Volatile.Read(ref accepted) == 1;

    /// <summary>Why it was never accepted (a 4xx, or the retry window closed), for the report.</summary>
    public string? GaveUp { get; set; }

    public void Accept() => Interlocked.Exchange(ref accepted, 1);
}

/// <summary>An HTTP answer that told the client to try again: when, its status, its problem body and its Retry-After (seconds).</summary>
public sealed record Refusal(DateTimeOffset At, int Status, string Problem, string? RetryAfter);

/// <summary>What the load is about: partners, and the disclosures and breaches that breaches and responses refer to.</summary>
public sealed record Seed(string Originator, IReadOnlyList<string> Partners, IReadOnlyList<Guid> Disclosures, IReadOnlyList<Guid> Breaches);

/// <summary>How a scenario bends the load.</summary>
/// <summary>How a scenario's load is sent: every message twice, and whether to go on past the load's length (for as long as the answer is yes, up to three lengths more).</summary>
public sealed record LoadShape(bool Twice = false, Func<bool>? While = null);

/// <summary>
/// A steady mix of disclosures, breaches and responses, half over HTTP and half as plain JSON on the bus, each
/// with its own client id. A command that fails for a reason a client would retry (a 5xx, a refused connection,
/// an unconfirmed publish) is retried with the same id until it is accepted or the window closes.
/// </summary>
public sealed class Load(BatteryOptions options, Platform platform, BusLink bus, string operatorToken, string adminToken)
{
    private static readonly string[] Kinds = ["disclosure", "breach", "response"];
    private readonly HttpClient http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly System.Collections.Concurrent.ConcurrentQueue<Refusal> refusals = new();
    private int turn;

    /// <summary>Every retryable refusal an HTTP command met since <paramref name="since"/>.</summary>
    public IReadOnlyList<Refusal> RefusalsSince(DateTimeOffset since) => [.. refusals.Where(r => r.At >= since)];

    public async Task<Seed> SeedAsync(string tag)
    {
        var partners = new[] { $"FB{tag}-A", $"FB{tag}-B" };
        foreach (var partner in partners)
        {
            var body = new { name = "Fault battery partner " + partner, country = "ZZ", channel = new { kind = "bus" } };
            await SendHttpUntilAcceptedAsync(HttpMethod.Put, "Intake", $"/partners/{partner}", JsonSerializer.Serialize(body), adminToken);
        }

        var originator = $"FB{tag}-O";
        var earlier = DateTimeOffset.UtcNow.AddHours(-1);
        var disclosures = Enumerable.Range(0, 4).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var id in disclosures)
        {
            await SendHttpUntilAcceptedAsync(HttpMethod.Post, "Intake", "/disclosures", Disclosure(id, originator, partners, earlier).ToJsonString(), operatorToken);
        }

        var breaches = Enumerable.Range(0, 2).Select(_ => Guid.CreateVersion7()).ToList();
        foreach (var (id, index) in breaches.Select((b, i) => (b, i)))
        {
            await SendHttpUntilAcceptedAsync(HttpMethod.Post, "Intake", "/breaches", Breach(id, disclosures[index]).ToJsonString(), operatorToken);
        }

        return new Seed(originator, partners, disclosures, breaches);
    }

    /// <summary>Runs the load for <see cref="BatteryOptions.LoadFor"/>; the returned tasks end when each command is settled.</summary>
    public async Task<(List<Sent> Sent, List<Task> InFlight)> RunAsync(Seed seed, LoadShape shape, CancellationToken stop)
    {
        var sent = new List<Sent>();
        var inFlight = new List<Task>();
        var interval = TimeSpan.FromSeconds(1.0 / options.Rate);
        var clock = Stopwatch.StartNew();
        // A client keeps retrying for as long as the battery lets the platform take to come back: with half of it, a
        // PostgreSQL restart that took 42 s of a 60 s allowance left commands never accepted, a client's give-up, not a loss.
        var retryUntil = DateTimeOffset.UtcNow + options.LoadFor + options.SettleWithin;
        bool More() => clock.Elapsed < options.LoadFor || (shape.While?.Invoke() == true && clock.Elapsed < options.LoadFor * 4);
        for (var i = 0; More() && !stop.IsCancellationRequested; i++)
        {
            var n = Interlocked.Increment(ref turn);
            var kind = Kinds[n % 3];
            var channel = (n / 3) % 2 == 0 ? "http" : "bus";
            var command = new Sent(kind, channel, Guid.CreateVersion7());
            sent.Add(command);
            inFlight.Add(SendAsync(command, seed, n, shape, retryUntil));
            var next = interval * (i + 1);
            if (next > clock.Elapsed)
            {
                await Task.Delay(next - clock.Elapsed, CancellationToken.None);
            }
        }

        return (sent, inFlight);
    }

    private async Task SendAsync(Sent command, Seed seed, int n, LoadShape shape, DateTimeOffset retryUntil)
    {
        var now = DateTimeOffset.UtcNow;
        var (body, exchange, service, path) = command.Kind switch
        {
            "disclosure" => (Disclosure(command.Id, seed.Originator, seed.Partners, now), "RecordDisclosure", "Intake", "/disclosures"),
            "breach" => (Breach(command.Id, seed.Disclosures[n % seed.Disclosures.Count]), "ReportBreach", "Intake", "/breaches"),
            _ => (Response(command.Id, seed.Partners[0], seed.Breaches[n % seed.Breaches.Count]), "RecordPartnerResponse", "Notification", "/responses"),
        };
        var json = body.ToJsonString();
        var copies = shape.Twice ? 2 : 1;
        for (var copy = 0; copy < copies; copy++)
        {
            var outcome = command.Channel == "http"
                ? await SendHttpAsync(HttpMethod.Post, service, path, json, operatorToken, retryUntil)
                : await bus.PublishAsync(exchange, json, command.Id, operatorToken, retryUntil);
            if (outcome is null)
            {
                command.Accept();
            }
            else
            {
                command.GaveUp ??= outcome;
            }
        }
    }

    private async Task SendHttpUntilAcceptedAsync(HttpMethod method, string service, string path, string json, string token)
    {
        var refusal = await SendHttpAsync(method, service, path, json, token, DateTimeOffset.UtcNow.AddSeconds(60));
        if (refusal is not null)
        {
            throw new InvalidOperationException($"{method} {path} during the seed: {refusal}");
        }
    }

    /// <summary>Null once accepted; otherwise why not.</summary>
    private async Task<string?> SendHttpAsync(HttpMethod method, string service, string path, string json, string token, DateTimeOffset retryUntil)
    {
        var replicas = platform.Of(service).ToList();
        var attempt = 0;
        string last = "not sent";
        while (DateTimeOffset.UtcNow < retryUntil)
        {
            var replica = replicas[(attempt++ + Random.Shared.Next(replicas.Count)) % replicas.Count];
            try
            {
                using var request = new HttpRequestMessage(method, new Uri(replica.BaseAddress, path))
                {
                    Content = new StringContent(json, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await http.SendAsync(request);
                if (response.IsSuccessStatusCode)
                {
                    return null;
                }

                var problem = await response.Content.ReadAsStringAsync();
                last = $"{(int)response.StatusCode} {problem}";
                // A lost write race (an earlier attempt of this very request may still be running) is worth another try.
                var retryable = (int)response.StatusCode >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests
                    || (response.StatusCode == HttpStatusCode.Conflict && problem.Contains("concurrent-write", StringComparison.Ordinal));
                if (!retryable)
                {
                    return last;
                }

                refusals.Enqueue(new Refusal(DateTimeOffset.UtcNow, (int)response.StatusCode, problem, response.Headers.RetryAfter?.ToString()));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.GetType().Name + ": " + e.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        return "gave up: " + last;
    }

    public static JsonObject Disclosure(Guid id, string originator, IReadOnlyList<string> recipients, DateTimeOffset occurredAt) => new()
    {
        ["disclosureId"] = id,
        ["originator"] = originator,
        ["title"] = "Fault battery item " + id.ToString("N")[..8],
        ["classification"] = "official",
        ["caveats"] = new JsonArray("FAULT-BATTERY"),
        ["contentSha256"] = Convert.ToHexStringLower(SHA256.HashData(id.ToByteArray())),
        ["recipients"] = new JsonArray([.. recipients.Select(r => JsonValue.Create(r))]),
        ["sharedBy"] = "fault battery",
        ["occurredAt"] = occurredAt,
    };

    public static JsonObject Breach(Guid id, Guid disclosure) => new()
    {
        ["breachId"] = id,
        ["disclosureId"] = disclosure,
        ["outlet"] = "fault-battery.example",
        ["observedAt"] = DateTimeOffset.UtcNow,
        ["severity"] = "low",
        ["description"] = "Seen while the fault battery ran.",
        ["reportedBy"] = "fault battery",
    };

    public static JsonObject Response(Guid id, string partner, Guid breach) => new()
    {
        ["responseId"] = id,
        ["partner"] = partner,
        ["breachId"] = breach,
        ["kind"] = "acknowledgement",
        ["statement"] = "Received; looking into it.",
        ["respondent"] = "fault battery",
        ["occurredAt"] = DateTimeOffset.UtcNow,
    };
}
