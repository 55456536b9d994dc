using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using AuditPlatform.Notification.Notices.Delivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AuditPlatform.Notification.Tests.Integration;

/// <summary>
/// One POST a partner's webhook received: the exact body, whether its signature (and, during a rotation, the
/// signature under the previous secret) held under the secret the hook knows, and what it answered.
/// </summary>
public sealed record ReceivedHook(string Hook, byte[] Body, string? Signature, bool SignatureValid, string? PreviousSignature, bool PreviousSignatureValid, string? NoticeId, int Answered);

/// <summary>
/// Partners' webhooks, served by the test on loopback (a real Kestrel on a dynamic port). Each hook checks the
/// signature with the secret it knows, the way a partner would (accepting either signature header), and answers what the test says.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly ConcurrentDictionary<string, (string Secret, Func<int, int> Answer)> hooks = new();
    private readonly ConcurrentDictionary<string, int> calls = new();

    private WebhookReceiver(WebApplication app)
    {
        this.app = app;
    }

    public ConcurrentQueue<ReceivedHook> Received { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing", ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var receiver = new WebhookReceiver(builder.Build());
        receiver.app.MapPost("/hooks/{name}", receiver.HandleAsync);
        await receiver.app.StartAsync();
        var address = receiver.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address);
        return receiver;
    }

    /// <summary>Serves a hook; <paramref name="answer"/> maps the call number (1, 2, ...) to the status to answer.</summary>
    public Uri Serve(string name, string secret, Func<int, int> answer)
    {
        hooks[name] = (secret, answer);
        return new Uri(BaseAddress, "/hooks/" + name);
    }

    /// <summary>Changes the secret a hook verifies with from now on, as a partner switching over after a rotation.</summary>
    public void Verify(string name, string secret) => hooks[name] = (secret, hooks[name].Answer);

    /// <summary>Changes what a hook answers from now on.</summary>
    public void Answer(string name, Func<int, int> answer) => hooks[name] = (hooks[name].Secret, answer);

    public IReadOnlyList<ReceivedHook> For(string name) => [.. Received.Where(r => r.Hook == name)];

    private async Task HandleAsync(string name, HttpContext context)
    {
        using var buffer = new MemoryStream();
        await context.Request.Body.CopyToAsync(buffer);
        var body = buffer.ToArray();
        var signature = context.Request.Headers[WebhookSignature.Header].FirstOrDefault();
        var previous = context.Request.Headers[WebhookSignature.PreviousHeader].FirstOrDefault();
        if (!hooks.TryGetValue(name, out var hook))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // Checked independently of the service's own code, as a partner in any language would.
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(hook.Secret), body));
        var valid = string.Equals(expected, signature, StringComparison.Ordinal);
        var previousValid = string.Equals(expected, previous, StringComparison.Ordinal);
        var call = calls.AddOrUpdate(name, 1, (_, n) => n + 1);
        var status = valid || previousValid ? hook.Answer(call) : StatusCodes.Status401Unauthorized;
        Received.Enqueue(new ReceivedHook(name, body, signature, valid, previous, previousValid, context.Request.Headers[WebhookChannel.NoticeIdHeader].FirstOrDefault(), status));
        context.Response.StatusCode = status;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
