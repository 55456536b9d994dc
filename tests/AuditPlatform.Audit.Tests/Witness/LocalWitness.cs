extern alias witness;
using System.Text;
using AuditPlatform.Audit.Chain;
using AuditPlatform.Audit.Tests.Integration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NSec.Cryptography;
using WitnessApp = witness::AuditPlatform.Witness.WitnessApp;

namespace AuditPlatform.Audit.Tests.Witness;

/// <summary>
/// The witness program partners run, for one test: its own Ed25519 key and state folder, trusting the fixture's log,
/// started on a loopback port with whatever else the test sets (a bus queue, for example). Removed on dispose.
/// </summary>
internal sealed class LocalWitness(string name, AuditFixture fixture) : IAsyncDisposable
{
    private WebApplication? app;

    public string Name => name;

    public Key Key { get; } = Key.Create(SignatureAlgorithm.Ed25519, new() { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });

    public string State { get; } = Directory.CreateTempSubdirectory("witness-").FullName;

    public string VerifierKey => Cosignature.VerifierKey(name, Key.PublicKey);

    public TrustedWitness Trusted => new(name, VerifierKey);

    /// <summary>Starts it; the answer is its HTTP address.</summary>
    public async Task<string> StartAsync(IReadOnlyDictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Witness:Name"] = name,
            ["Witness:Key"] = Encoding.ASCII.GetString(Key.Export(KeyBlobFormat.PkixPrivateKeyText)),
            ["Witness:StateDirectory"] = State,
            ["Witness:Logs:0:Origin"] = AuditFixture.Origin,
            ["Witness:Logs:0:VerifierKey"] = fixture.VerifierKey,
            ["Urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        app = WitnessApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync();
        return app.Urls.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        Key.Dispose();
        Directory.Delete(State, recursive: true);
    }
}
