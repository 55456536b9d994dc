using System.Text;
using NSec.Cryptography;

namespace AuditPlatform.Witness;

/// <summary>
/// The witness program: <c>witness keygen --name N --out key.pem</c> makes a key and prints its verifier key;
/// otherwise it serves <c>POST /add-checkpoint</c>, <c>GET /</c> (what it has cosigned) and the health checks.
/// </summary>
public static class WitnessApp
{
    /// <summary>The largest request body: 63 proof lines and a note with a few dozen signatures fit well within it.</summary>
    public const int MaxBody = 64 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length > 0 && args[0] == "keygen")
        {
            return Keygen(args[1..], Console.Out, Console.Error);
        }

        var app = Build(args);
        await app.RunAsync();
        return 0;
    }

    /// <summary>The witness as a web application, ready to start (tests add a loopback URL and start it).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        configure?.Invoke(builder);
        var options = builder.Configuration.GetSection("Witness").Get<WitnessOptions>() ?? new WitnessOptions();
        if (options.Problems() is { Count: > 0 } problems)
        {
            throw new InvalidOperationException("The witness is not configured: " + string.Join(" ", problems));
        }

        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WitnessLog>();
        if (options.Bus.Enabled)
        {
            builder.Services.AddSingleton<BusWitness>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<BusWitness>());
        }
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = MaxBody);
        var app = builder.Build();
        app.MapPost("/add-checkpoint", AddCheckpointAsync);
        app.MapGet("/", Status);
        app.MapGet("/health/live", () => Results.Text("Healthy"));
        app.MapGet("/health/ready", (WitnessLog log) => log.CanWrite() ? Results.Text("Healthy") : Results.Text("Unhealthy: the state directory cannot be written", statusCode: 503));
        return app;
    }

    /// <summary>Writes a new Ed25519 key (PKCS#8 PEM) and prints the witness's verifier key for the logs to configure.</summary>
    public static int Keygen(string[] args, TextWriter output, TextWriter error)
    {
        string? name = null, path = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            (name, path) = args[i] switch
            {
                "--name" => (args[i + 1], path),
                "--out" => (name, args[i + 1]),
                _ => (name, path),
            };
        }

        if (name is null || path is null || !Audit.Chain.CheckpointNote.IsKeyName(name))
        {
            error.WriteLine("usage: witness keygen --name <witness name, e.g. witness.us-fbi.example/w1> --out <key.pem>");
            return 1;
        }

        if (File.Exists(path))
        {
            error.WriteLine($"{path} exists: a witness keeps its key; delete it yourself to start a new identity");
            return 1;
        }

        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        File.WriteAllText(path, Encoding.ASCII.GetString(key.Export(KeyBlobFormat.PkixPrivateKeyText)));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        output.WriteLine(Audit.Chain.Cosignature.VerifierKey(name, key.PublicKey));
        return 0;
    }

    private static async Task<IResult> AddCheckpointAsync(HttpRequest request, WitnessLog log, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var answer = await log.AddAsync(await reader.ReadToEndAsync(cancellationToken), cancellationToken);
        return Results.Text(answer.Body, answer.ContentType, Encoding.UTF8, answer.Status);
    }

    private static IResult Status(WitnessLog log, IServiceProvider services) => Results.Json(new
    {
        name = log.Name,
        verifierKey = log.VerifierKey,
        bus = services.GetService<BusWitness>() is { } bus ? new { queue = services.GetRequiredService<WitnessOptions>().Bus.Queue, listening = bus.Listening } : null,
        logs = log.Status().Select(s => new { origin = s.Origin, size = s.Latest?.Size, root = s.Latest is null ? null : Convert.ToBase64String(s.Latest.Root) }),
    });
}
